"""What lambdalint knows about libraries, by qualified name (no libcst import here).

`()` in a name means "the result of calling": `boto3.session.Session().client` is the
`client` method of a session object.
"""

# SDK clients, sessions, DB connections, cache clients and HTTP connection pools (LAM201).
CLIENT_CONSTRUCTORS = frozenset(
    {
        # boto3 / botocore
        "boto3.client",
        "boto3.resource",
        "boto3.Session",
        "boto3.session.Session",
        "boto3.Session().client",
        "boto3.Session().resource",
        "boto3.session.Session().client",
        "boto3.session.Session().resource",
        "botocore.session.get_session",
        "botocore.session.Session",
        "botocore.session.get_session().create_client",
        "botocore.session.Session().create_client",
        # aioboto3 / aiobotocore
        "aioboto3.Session",
        "aioboto3.session.Session",
        "aioboto3.Session().client",
        "aioboto3.Session().resource",
        "aioboto3.session.Session().client",
        "aioboto3.session.Session().resource",
        "aiobotocore.session.get_session",
        "aiobotocore.session.get_session().create_client",
        "aiobotocore.session.AioSession",
        "aiobotocore.session.AioSession().create_client",
        # relational databases
        "pymysql.connect",
        "pymysql.Connect",
        "pymysql.Connection",
        "pymysql.connections.Connection",
        "psycopg.connect",
        "psycopg.Connection.connect",
        "psycopg.AsyncConnection.connect",
        "psycopg_pool.ConnectionPool",
        "psycopg2.connect",
        "psycopg2.pool.SimpleConnectionPool",
        "psycopg2.pool.ThreadedConnectionPool",
        "mysql.connector.connect",
        "mysql.connector.MySQLConnection",
        "mysql.connector.pooling.MySQLConnectionPool",
        "sqlalchemy.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        # document stores and caches
        "pymongo.MongoClient",
        "pymongo.mongo_client.MongoClient",
        "redis.Redis",
        "redis.StrictRedis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.client.Redis",
        "redis.RedisCluster",
        "redis.cluster.RedisCluster",
        # HTTP connection pools
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "httpx.Client",
        "httpx.AsyncClient",
        "urllib3.PoolManager",
        "urllib3.poolmanager.PoolManager",
    }
)

# Methods that release a client or connection: a handler that calls them on the object
# owns its lifetime, so hoisting it would hand a closed object to the next request.
CLOSING_METHODS = frozenset({"close", "dispose", "disconnect", "shutdown", "aclose", "terminate"})


def client_kind(qualified_name: str) -> str:
    """A short human description for messages: 'boto3 client', 'database connection'..."""
    top = qualified_name.split(".")[0]
    if top in ("boto3", "botocore", "aioboto3", "aiobotocore"):
        last = qualified_name.rsplit(".", 1)[-1]
        if last in ("client", "create_client"):
            return "AWS SDK client"
        if last == "resource":
            return "AWS SDK resource"
        return "AWS SDK session"
    if top in ("pymysql", "psycopg", "psycopg2", "psycopg_pool", "mysql", "sqlalchemy"):
        return "database connection"
    if top in ("pymongo", "redis"):
        return "database client"
    if top in ("requests", "httpx", "urllib3"):
        return "HTTP connection pool"
    return "client"
