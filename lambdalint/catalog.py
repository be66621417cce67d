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
        # search clients (each holds an HTTP connection pool)
        "opensearchpy.OpenSearch",
        "opensearchpy.AsyncOpenSearch",
        "opensearchpy.client.OpenSearch",
        "elasticsearch.Elasticsearch",
        "elasticsearch.AsyncElasticsearch",
        "elasticsearch.client.Elasticsearch",
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

# The services boto3 has a resource interface for (`boto3.resource("s3")`); for any other
# service only `boto3.client` works.
BOTO3_RESOURCE_SERVICES = frozenset(
    {"cloudformation", "cloudwatch", "dynamodb", "ec2", "glacier", "iam", "opsworks", "s3", "sns", "sqs"}
)

# Keyword arguments that give a client or session its credentials.
CREDENTIAL_KEYWORDS = frozenset({"aws_access_key_id", "aws_secret_access_key", "aws_session_token"})

# STS calls that return temporary credentials (they expire: a client made on them is
# rebuilt on purpose).
TEMPORARY_CREDENTIAL_CALLS = frozenset(
    {
        "assume_role",
        "assume_role_with_saml",
        "assume_role_with_web_identity",
        "assume_root",
        "get_session_token",
        "get_federation_token",
        "get_credentials_for_identity",
    }
)

# Methods that release a client or connection: a handler that calls them on the object
# owns its lifetime, so hoisting it would hand a closed object to the next request.
CLOSING_METHODS = frozenset({"close", "dispose", "disconnect", "shutdown", "aclose", "terminate"})
# Methods that configure a session or client after it is built (`session.mount(prefix,
# adapter)`, `session.headers.update(...)`): given per-call values, each call's object differs.
CONFIGURING_METHODS = frozenset({"mount", "update", "setdefault", "set", "add_header", "set_cookie"})


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
    if top in ("opensearchpy", "elasticsearch"):
        return "search client"
    return "client"


# -- the Restore phase: SnapStart (LAM401, LAM402, LAM403) ------------------------------------
#
# With SnapStart, Init runs once when a version is published and every execution environment
# resumes from that one snapshot (AWS: "Handling uniqueness with Lambda SnapStart").

_RANDOM_DRAWS = (
    "random",
    "randint",
    "randrange",
    "choice",
    "choices",
    "sample",
    "uniform",
    "gauss",
    "normalvariate",
    "getrandbits",
    "randbytes",
    "triangular",
    "expovariate",
)
# Calls whose result must differ between execution environments: made at Init and kept, it is
# shared by every environment resumed from the snapshot.  Qualified name -> what it makes.
UNIQUE_VALUE_CALLS = {
    **{name: "a UUID" for name in ("uuid.uuid1", "uuid.uuid4", "uuid.uuid6", "uuid.uuid7")},
    "os.urandom": "random bytes",
    "os.getrandom": "random bytes",
    **{f"secrets.{name}": "a secret token" for name in ("token_bytes", "token_hex", "token_urlsafe")},
    **{f"secrets.{name}": "a random value" for name in ("choice", "randbelow", "randbits")},
    **{f"random.{name}": "a random value" for name in _RANDOM_DRAWS},
    **{
        name: "a clock reading"
        for name in (
            "time.time",
            "time.time_ns",
            "time.monotonic",
            "time.monotonic_ns",
            "time.perf_counter",
            "time.perf_counter_ns",
            "datetime.datetime.now",
            "datetime.datetime.utcnow",
            "datetime.datetime.today",
            "datetime.date.today",
        )
    },
}
# The calls above that draw a random value (not the clocks): a loop that tries a freshly
# drawn candidate (a name, an id) until one is accepted ends after a few tries (LAM303).
RANDOM_VALUE_CALLS = frozenset(name for name, made in UNIQUE_VALUE_CALLS.items() if made != "a clock reading")
# Pseudo-random generators: their state is in the snapshot, so every environment draws the
# same sequence.  `random.SystemRandom` reads the operating system's entropy on every call
# and is what AWS recommends instead (not listed).
RANDOM_GENERATORS = frozenset(
    {
        "random.Random",
        "numpy.random.default_rng",
        "numpy.random.RandomState",
        "numpy.random.Generator",
        "numpy.random.PCG64",
        "numpy.random.MT19937",
        "numpy.random.Philox",
        "numpy.random.SFC64",
    }
)
# Seeding the module-level generators: without a constant seed, every environment resumed
# from the snapshot gets the seed Init drew.
RANDOM_SEEDERS = frozenset({"random.seed", "numpy.random.seed"})
# A generator's method that seeds it again (in an after-restore hook: uniqueness restored).
RESEED_METHODS = frozenset({"seed"})

# The runtime hooks of `snapshot_restore_py` (included in Lambda's Python managed runtimes).
AFTER_RESTORE_HOOKS = frozenset({"snapshot_restore_py.register_after_restore"})
BEFORE_SNAPSHOT_HOOKS = frozenset({"snapshot_restore_py.register_before_snapshot"})
HOOK_PACKAGES = frozenset(name.split(".")[0] for name in AFTER_RESTORE_HOOKS | BEFORE_SNAPSHOT_HOOKS)
RESTORE_HOOK_IMPORT = "from snapshot_restore_py import register_after_restore"

# Connections that a snapshot carries but that do not survive a restore: database
# connections and pools, cache clients, raw sockets (LAM402).  AWS SDK clients and HTTP
# connection pools notice a dropped connection and open a new one by themselves.
RESTORE_SENSITIVE_CONNECTIONS = frozenset(
    qn for qn in CLIENT_CONSTRUCTORS if client_kind(qn) in ("database connection", "database client")
) | frozenset(
    {
        "pg8000.connect",
        "pg8000.native.Connection",
        "pg8000.dbapi.connect",
        "redis.ConnectionPool",
        "redis.connection.ConnectionPool",
        "socket.socket",
        "socket.create_connection",
        "socket.socketpair",
        "ssl.create_connection",
        "ssl.SSLContext().wrap_socket",
    }
)
# Methods that check a connection or open it again: `conn.ping(reconnect=True)` (PyMySQL),
# `conn.reconnect()` / `conn.is_connected()` (mysql-connector), `engine.dispose()`
# (SQLAlchemy), `pool.check()` (psycopg_pool).
RECONNECT_METHODS = frozenset({"ping", "reconnect", "is_connected", "dispose", "check", "reset"})
# Attributes that say whether a connection is still open (`conn.closed`, `conn.open`).
LIVENESS_ATTRIBUTES = frozenset({"closed", "open", "is_closed", "broken"})
# Keyword arguments that make a pool check a connection before handing it out.
PRE_PING_KEYWORDS = frozenset({"pool_pre_ping", "check", "health_check_interval"})

# -- connections the database drops while the environment idles (LAM205, LAM201 fixes) ---------
#
# A warm execution environment can sit idle for minutes to hours; the database (MySQL
# `wait_timeout`, PostgreSQL `idle_session_timeout`, RDS Proxy's idle client timeout, a NAT or
# load balancer idle timeout) closes the connection meanwhile, and a driver that holds it does
# not notice until the next query fails.

# Helpers of web apps' database layers that open a connection pool and keep it on the app
# (`app.state`), as each package's source does: opened at Init, the pool is in the snapshot
# like any other (LAM402).
APP_POOL_OPENERS = frozenset(
    {
        "stac_fastapi.pgstac.db.connect_to_db",  # asyncpg pools: app.state.readpool, .writepool
        "titiler.pgstac.db.connect_to_db",  # psycopg_pool.ConnectionPool: app.state.dbpool
        "tipg.database.connect_to_db",  # asyncpg pool: app.state.pool
    }
)
# Clients whose driver has its own documented way back from a dropped connection, so they are
# not stale connections:
# - redis-py: the client takes a connection from its `ConnectionPool` for every command, and
#   `ConnectionPool.get_connection` (redis/connection.py) calls `connection.can_read()` on it
#   first and on a closed socket disconnects and connects again; a command that fails on a
#   connection dropped without notice disconnects it, so the next command opens a new one.
#   The pool itself, and a bare
#   `redis.Connection` (it reconnects on the next command after the failed one), are the same.
# - pymongo: `MongoClient` monitors the servers and pools its connections; "if an operation
#   fails because of a network error, ConnectionFailure is raised and the client reconnects in
#   the background" (the `MongoClient` docstring, pymongo/mongo_client.py).
# Their construction per request is still LAM201's, and a snapshot still carries their sockets
# (LAM402 decides that on its own list).
SELF_RECONNECTING_CLIENTS = frozenset(
    qn for qn in RESTORE_SENSITIVE_CONNECTIONS if qn.split(".")[0] in ("redis", "pymongo")
)
# Constructors of connections and pools that do not come back by themselves: every database
# connection LAM402 knows, without the raw sockets and the clients above.
STALE_CONNECTIONS = frozenset(
    qn for qn in RESTORE_SENSITIVE_CONNECTIONS - SELF_RECONNECTING_CLIENTS if not qn.startswith(("socket.", "ssl."))
)
# Exceptions a driver raises when its connection is gone; an `except` of one of them (or of
# a base class such as `Exception`) that opens the connection again is a way back.
CONNECTION_ERRORS = frozenset(
    [
        f"{base}.{name}"
        for base in ("pymysql", "pymysql.err")
        for name in ("OperationalError", "InterfaceError", "Error", "MySQLError", "DatabaseError")
    ]
    + [
        f"{base}.{name}"
        for base in ("psycopg2", "psycopg2.errors", "psycopg", "psycopg.errors")
        for name in ("OperationalError", "InterfaceError", "Error", "DatabaseError", "AdminShutdown")
    ]
    + [
        f"{base}.{name}"
        for base in ("mysql.connector", "mysql.connector.errors")
        for name in ("OperationalError", "InterfaceError", "Error", "DatabaseError")
    ]
    + [
        f"{base}.{name}"
        for base in ("pg8000", "pg8000.exceptions", "pg8000.dbapi", "pg8000.native")
        for name in ("InterfaceError", "OperationalError", "DatabaseError", "Error")
    ]
    + [
        f"{base}.{name}"
        for base in ("redis", "redis.exceptions")
        for name in ("ConnectionError", "TimeoutError", "RedisError")
    ]
    + [
        f"pymongo.errors.{name}"
        for name in (
            "ConnectionFailure",
            "AutoReconnect",
            "NetworkTimeout",
            "ServerSelectionTimeoutError",
            "PyMongoError",
        )
    ]
    + [f"sqlalchemy.exc.{name}" for name in ("OperationalError", "DisconnectionError", "InterfaceError", "DBAPIError")]
    + ["Exception", "BaseException", "ConnectionError", "OSError"]
)
# Constructor keywords that make the driver or pool test or replace a connection before using
# it: SQLAlchemy `pool_pre_ping=True` / `pool_recycle=<seconds>`, redis-py
# `health_check_interval` and retries on connection errors, psycopg_pool `check`.
RECONNECT_KEYWORDS = PRE_PING_KEYWORDS | frozenset({"pool_recycle", "retry_on_error", "retry"})


class ConnectionDriver:
    """How the lazy getter that LAM201's fix writes keeps a driver's connection usable.

    `probe` lines run on the kept connection (`{conn}`) inside `try:`; `error` is the
    exception (under `import {module}`) that says the connection is gone, and then a new one
    is opened.  `keyword` is added to the construction instead when the driver's pool can
    check its connections itself (SQLAlchemy).  Without `probe` the getter only opens the
    connection once: the driver replaces a dropped one by itself."""

    def __init__(self, module: str, probe: tuple = (), error: str = "", keyword: str = "") -> None:
        self.module, self.probe, self.error, self.keyword = module, probe, error, keyword


_DBAPI_ROLLBACK = "{conn}.rollback()"  # a new request starts outside any transaction, as on a new connection
_SELECT_ONE = (
    "{conn}.rollback()",
    "with {conn}.cursor() as cursor:\n    cursor.execute(\"SELECT 1\")",
    "{conn}.rollback()",
)
# Constructor (qualified name) -> its driver, for the constructors LAM201 can hoist behind a
# getter.  Pools are left out: they hand out connections that the caller checks out and back.
CONNECTION_DRIVERS = {
    **{
        qn: ConnectionDriver("pymysql", ("{conn}.ping(reconnect=True)", _DBAPI_ROLLBACK), "pymysql.Error")
        for qn in ("pymysql.connect", "pymysql.Connect", "pymysql.Connection", "pymysql.connections.Connection")
    },
    **{
        qn: ConnectionDriver(
            "mysql.connector", ("{conn}.ping(reconnect=True)", _DBAPI_ROLLBACK), "mysql.connector.Error"
        )
        for qn in ("mysql.connector.connect", "mysql.connector.MySQLConnection")
    },
    "psycopg2.connect": ConnectionDriver("psycopg2", _SELECT_ONE, "psycopg2.Error"),
    **{
        qn: ConnectionDriver("psycopg", _SELECT_ONE, "psycopg.Error")
        for qn in ("psycopg.connect", "psycopg.Connection.connect")
    },
    # The clients that reconnect by themselves (SELF_RECONNECTING_CLIENTS) need no probe: the
    # getter only opens them once.
    **{
        qn: ConnectionDriver("redis")
        for qn in ("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url", "redis.client.Redis")
    },
    **{qn: ConnectionDriver("pymongo") for qn in ("pymongo.MongoClient", "pymongo.mongo_client.MongoClient")},
    "sqlalchemy.create_engine": ConnectionDriver("sqlalchemy", keyword="pool_pre_ping"),
}
# LAM205's own fix: a driver whose connection can reopen itself in place gets that call at the
# start of each function that uses it; a pool gets the keyword that makes it check.
REOPEN_IN_PLACE = {
    **{
        qn: "{conn}.ping(reconnect=True)"
        for qn in CONNECTION_DRIVERS
        if CONNECTION_DRIVERS[qn].module in ("pymysql", "mysql.connector")
    },
}
CHECKING_KEYWORD = {
    "sqlalchemy.create_engine": "pool_pre_ping",
    "sqlalchemy.ext.asyncio.create_async_engine": "pool_pre_ping",
}

# -- concurrent processes: Lambda Managed Instances (LAM106) -----------------------------------

# Ways to publish a file that concurrent writers cannot tear: write elsewhere, then rename.
ATOMIC_REPLACES = frozenset(
    {"os.replace", "os.rename", "shutil.move", "pathlib.Path().replace", "pathlib.Path().rename"}
)
# File locks shared between processes.
FILE_LOCKS = frozenset(
    {
        "fcntl.flock",
        "fcntl.lockf",
        "filelock.FileLock",
        "filelock.SoftFileLock",
        "filelock.UnixFileLock",
        "portalocker.lock",
        "portalocker.Lock",
    }
)


# Modules that are another library under a second name: every rule sees the library.
# botocore shipped a copy of requests (removed in 1.13) that old handlers still import.
MODULE_ALIASES = {"botocore.vendored.requests": "requests"}

# -- invariant I/O (LAM202) ----------------------------------------------------------------

# AWS SDK operations that read configuration or data, by service: (service, operation) -> kind.
AWS_READS = {
    ("ssm", "get_parameter"): "parameter",
    ("ssm", "get_parameters"): "parameter",
    ("ssm", "get_parameters_by_path"): "parameter",
    ("secretsmanager", "get_secret_value"): "secret",
    ("secretsmanager", "batch_get_secret_value"): "secret",
    ("appconfigdata", "start_configuration_session"): "configuration",
    ("appconfigdata", "get_latest_configuration"): "configuration",
    ("appconfig", "get_configuration"): "configuration",
    ("s3", "get_object"): "object",
    ("s3", "download_file"): "object",
    ("s3", "download_fileobj"): "object",
}
# A parameter, secret or object that the project itself writes holds state that changes
# while the function runs (a channel map kept in SSM, a checkpoint in S3): reads of it are
# not invariant. Per read: the arguments that name the resource, and the calls that write
# the same resource with theirs, as (keyword, position); client calls take keywords only,
# the S3 transfer methods also positions.
_SSM_NAME = (("Name", None),)
_SECRET_ID = (("SecretId", None),)
_S3_KEY = (("Bucket", None), ("Key", None))
_S3_WRITES = {
    "put_object": _S3_KEY,
    "copy_object": _S3_KEY,
    "upload_file": (("Bucket", 1), ("Key", 2)),
    "upload_fileobj": (("Bucket", 1), ("Key", 2)),
}
AWS_WRITABLE_READS = {
    ("ssm", "get_parameter"): (_SSM_NAME, {"put_parameter": _SSM_NAME}),
    ("secretsmanager", "get_secret_value"): (
        _SECRET_ID,
        {"put_secret_value": _SECRET_ID, "update_secret": _SECRET_ID},
    ),
    ("s3", "get_object"): (_S3_KEY, _S3_WRITES),
    ("s3", "download_file"): ((("Bucket", 0), ("Key", 1)), _S3_WRITES),
    ("s3", "download_fileobj"): ((("Bucket", 0), ("Key", 1)), _S3_WRITES),
}
# Reads whose result is as invariant as their inputs: a fixed parameter, secret,
# configuration or object gives the same value on every request (until it is rotated or
# edited), so a client built from a secret with a fixed name is built from invariant
# arguments. Not the AppConfig session calls (their token changes every call) nor downloads.
INVARIANT_READ_METHODS = frozenset(
    method
    for (service, method), kind in AWS_READS.items()
    if kind in ("parameter", "secret", "object") and not method.startswith("download_")
) | frozenset({"get_configuration"})
# boto3 resource objects: (service, resource class, method) -> kind.
AWS_RESOURCE_READS = {
    ("s3", "Object", "get"): "object",
    ("s3", "Object", "download_file"): "object",
    ("s3", "Object", "download_fileobj"): "object",
    ("s3", "Bucket", "download_file"): "object",
    ("s3", "Bucket", "download_fileobj"): "object",
}

# Functions that read a whole file or model given a path (or an open file).
PATH_LOADERS = frozenset(
    {
        "joblib.load",
        "torch.load",
        "torch.jit.load",
        "numpy.load",
        "numpy.loadtxt",
        "pandas.read_csv",
        "pandas.read_json",
        "pandas.read_parquet",
        "pandas.read_pickle",
        "pandas.read_excel",
        "toml.load",
        "pkgutil.get_data",
        "importlib.resources.read_text",
        "importlib.resources.read_binary",
        "tensorflow.keras.models.load_model",
        "keras.models.load_model",
        "keras.saving.load_model",
        "onnxruntime.InferenceSession",
        "spacy.load",
        "transformers.pipeline",
        "sentence_transformers.SentenceTransformer",
        "gensim.models.KeyedVectors.load",
        "xgboost.Booster",
        "lightgbm.Booster",
    }
)
# Functions that parse an open file: reported (once) when they wrap an invariant `open()`.
STREAM_LOADERS = (
    frozenset(
        {
            "json.load",
            "yaml.safe_load",
            "yaml.load",
            "yaml.full_load",
            "yaml.unsafe_load",
            "pickle.load",
            "dill.load",
            "cloudpickle.load",
            "tomllib.load",
            "tomli.load",
            "csv.reader",
            "csv.DictReader",
        }
    )
    | PATH_LOADERS
)
FILE_OPENERS = frozenset({"open", "io.open", "codecs.open", "builtins.open", "gzip.open", "bz2.open", "lzma.open"})
PATH_CONSTRUCTORS = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.PurePath", "pathlib.PurePosixPath"})
PATH_READ_METHODS = frozenset({"read_text", "read_bytes", "open"})

# HTTP GETs, as module functions and as methods of sessions / pools.
HTTP_GETS = frozenset(
    {
        "requests.get",
        "requests.api.get",
        "httpx.get",
        "urllib.request.urlopen",
        "urllib3.request",
        "requests.Session().get",
        "requests.session().get",
        "requests.sessions.Session().get",
        "httpx.Client().get",
        "urllib3.PoolManager().request",
        "urllib3.poolmanager.PoolManager().request",
    }
)

# A constant URL is invariant I/O only when it names a document: signing keys or an OpenID
# discovery document, or a file. Any other constant URL is an API endpoint whose answer is
# live data. Matched (case-insensitively) against the URL's text and the names of the
# environment variables it is read from (`JWKS_URL`).
DOCUMENT_URL_MARKERS = r"jwks|openid-configuration|/\.well-known/"
# The path (before `?` or `#`) ends with one of these: a file served as it is.
DOCUMENT_URL_EXTENSIONS = (
    ".json",
    ".jsonl",
    ".geojson",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".conf",
    ".csv",
    ".tsv",
    ".txt",
    ".xml",
    ".xsd",
    ".pem",
    ".crt",
    ".cer",
    ".der",
    ".pub",
    ".jwk",
    ".html",
    ".parquet",
    ".pkl",
    ".pickle",
    ".joblib",
    ".onnx",
    ".pt",
    ".bin",
    ".zip",
    ".gz",
    ".tgz",
)

# A GET whose URL names an action acts rather than reads, whatever the path ends with: a
# camelCase method (`/sendMessage`), a path segment that is a verb (`/notify/`), a webhook
# host or path. Case-sensitive, and not a file name (`hooks.json`, `push-config.yaml`).
ACTION_URL_MARKERS = (
    r"/(?:send|post|push|notify|trigger|publish|create|delete|update)[A-Z]"
    r"|/(?:send|notify|trigger|publish|webhooks?|hooks)(?=/|$)"
    r"|//(?:hooks|webhooks?)\."
)

# Methods that change a container in place (a hoisted value must not be one the handler edits).
MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "update",
        "setdefault",
        "add",
        "discard",
        "pop",
        "popitem",
        "remove",
        "clear",
        "appendleft",
        "extendleft",
        "sort",
        "reverse",
        "__setitem__",
        "__delitem__",
    }
)

# Module-level containers whose contents outlive a request (LAM101 / LAM103), by constructor.
MUTABLE_CONSTRUCTORS = {
    "list": "list",
    "dict": "dict",
    "set": "set",
    "bytearray": "bytearray",
    "collections.deque": "deque",
    "collections.defaultdict": "defaultdict",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
    "collections.ChainMap": "ChainMap",
    "typing.OrderedDict": "OrderedDict",
}
# Methods that leave a container holding data a later request can see (LAM101 / LAM103);
# `MUTATING_METHODS` above is any in-place change, `clear()` and reordering included.
STATE_MUTATING_METHODS = {
    "append",
    "extend",
    "insert",
    "update",
    "setdefault",
    "add",
    "discard",
    "pop",
    "popitem",
    "remove",
    "appendleft",
    "extendleft",
    "popleft",
    "rotate",
    "subtract",
    "move_to_end",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "__setitem__",
    "__delitem__",
}
# `clear()` empties the container: a reset, never a leak.  `sort()` / `reverse()` only
# reorder what is there: repeating them on every request changes nothing that leaks.
EVICTING_METHODS = {"pop", "popitem", "popleft", "clear", "remove", "discard"}
LOOKUP_METHODS = {"get", "setdefault", "__contains__", "__getitem__"}

# -- pure values (invariance) ------------------------------------------------------------

# Decorators that cache a function's result: its body does not run on every call.
CACHE_DECORATORS = frozenset(
    {
        "functools.cache",
        "functools.lru_cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.ttl_cache",
        "cachetools.func.lru_cache",
    }
)

# Calls whose result is invariant when their arguments are.
PURE_CALLS = frozenset(
    {
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "dict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "len",
        "min",
        "max",
        "sorted",
        "round",
        "abs",
        "repr",
        "format",
        "range",
        "zip",
        "os.getenv",
        "os.environ.get",
        "os.path.join",
        "os.path.dirname",
        "os.path.abspath",
        "os.path.realpath",
        "os.path.basename",
        "os.path.expanduser",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PurePosixPath",
        "botocore.config.Config",
        "botocore.client.Config",  # the same class, imported from where many samples take it
        "json.dumps",
        "json.loads",
        "urllib.parse.urljoin",
        "urllib.parse.quote",
        "datetime.timedelta",
    }
)
PURE_METHODS = frozenset(
    {
        "format",
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "rsplit",
        "replace",
        "join",
        "get",
        "encode",
        "decode",
        "startswith",
        "endswith",
        "joinpath",
        "with_name",
        "with_suffix",
        "copy",
        "keys",
        "values",
        "items",
        "title",
        "casefold",
        "removeprefix",
        "removesuffix",
        "parent",
    }
)
# Names that are constants wherever they are read.
BUILTIN_CONSTANTS = frozenset({"None", "True", "False", "__file__", "__name__"})

# -- the Lambda handler's parameters ---------------------------------------------------------

DEFAULT_HANDLER_NAMES = ("lambda_handler", "handler")
# `(event, context)` as handlers name them: `event`, `evt`, `sqs_event`, `_event`; `context`,
# `ctx`, `lambda_context`, `_`.  The entry-point pre-pass (`lambdalint.parsing`) mirrors
# EVENT_PARAM on raw text.
EVENT_PARAM = r"^_*(?:\w+_)?(?:event|evt)$"
CONTEXT_PARAM = r"^_*(?:\w+_)?(?:context|ctx)$|^_$"
# The parts of a CloudFormation custom resource's event that hold the resource's properties
# as the stack declares them: the same on every call for that resource (until the stack
# changes them), so a name built from them is reused, not made anew per request.
DEPLOYMENT_EVENT_KEYS = frozenset({"ResourceProperties", "OldResourceProperties"})
# What differs per request on the Lambda context object (the rest describes the function
# or the environment, or is a timer).
REQUEST_CONTEXT_ATTRIBUTES = frozenset({"aws_request_id", "client_context", "identity"})

# -- web frameworks whose route functions Lambda reaches through the app object ------------

# `module.Class().method` after alias resolution, e.g. `app = APIGatewayRestResolver()`
# and `@app.get("/")` give `aws_lambda_powertools.event_handler.APIGatewayRestResolver().get`.
POWERTOOLS_ROUTE = r"^aws_lambda_powertools\.event_handler\.(?:[\w.]+\.)?(?P<cls>\w+)\(\)\.(?P<method>\w+)$"
POWERTOOLS_RESOLVERS = frozenset(
    {
        "APIGatewayRestResolver",
        "APIGatewayHttpResolver",
        "ALBResolver",
        "LambdaFunctionUrlResolver",
        "VPCLatticeResolver",
        "VPCLatticeV2Resolver",
        "AppSyncResolver",
        "AppSyncEventsResolver",
        "BedrockAgentResolver",
        "BedrockAgentFunctionResolver",
        "ApiGatewayResolver",
        "Router",
        "APIGatewayRouter",
        "APIGatewayHttpRouter",
        "ALBRouter",
        "LambdaFunctionUrlRouter",
        "VPCLatticeRouter",
        "VPCLatticeV2Router",
        "BedrockAgentRouter",
    }
)
POWERTOOLS_ROUTE_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "delete",
        "patch",
        "head",
        "options",
        "route",
        "resolver",
        "batch_resolver",
        "async_batch_resolver",
        "on_publish",
        "on_subscribe",
        "tool",
        "exception_handler",
        "not_found",
    }
)
CHALICE_ROUTE = r"^chalice(?:\.app)?\.(?P<cls>Chalice|Blueprint)\(\)\.(?P<method>\w+)$"
CHALICE_METHODS = frozenset(
    {
        "route",
        "lambda_function",
        "on_s3_event",
        "on_sns_message",
        "on_sqs_message",
        "on_cw_event",
        "schedule",
        "on_dynamodb_record",
        "on_kinesis_record",
        "authorizer",
        "websocket_connect",
        "websocket_message",
        "websocket_disconnect",
        "middleware",
    }
)
ASGI_ROUTE = r"^(?:fastapi|starlette)(?:\.[\w.]+)?\.(?P<cls>FastAPI|APIRouter|Starlette|Router)\(\)\.(?P<method>\w+)$"
ASGI_ROUTE_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "delete",
        "patch",
        "head",
        "options",
        "trace",
        "api_route",
        "route",
        "websocket",
        "websocket_route",
        "middleware",
        "exception_handler",
    }
)
MANGUM = frozenset({"mangum.Mangum", "mangum.adapter.Mangum"})
# Flask (WSGI) apps served on Lambda by an adapter called with the event: the app's routes
# and request hooks run per invocation, in whichever module they are registered.
WSGI_ROUTE = r"^flask(?:\.[\w.]+)?\.(?P<cls>Flask|Blueprint)\(\)\.(?P<method>\w+)$"
WSGI_ROUTE_METHODS = frozenset(
    {
        "route",
        "get",
        "post",
        "put",
        "delete",
        "patch",
        "before_request",
        "after_request",
        "teardown_request",
        "errorhandler",
        "before_app_request",
        "after_app_request",
    }
)
WSGI_ADAPTERS = frozenset(
    {
        "serverless_wsgi.handle_request",
        "awsgi.response",
        "aws_wsgi.response",
        "apig_wsgi.make_lambda_handler",
    }
)
# `app.current_event` (Powertools), `app.current_request` (Chalice): this request's data.
REQUEST_ATTRIBUTES = ("current_event", "current_request")
# Powertools decorators whose wrapper calls the handler with (event, context).
POWERTOOLS_HANDLER_DECORATORS = frozenset(
    {
        "inject_lambda_context",
        "capture_lambda_handler",
        "log_metrics",
        "event_source",
        "event_parser",
        "validator",
        "idempotent",
        "batch_processor",
        "async_batch_processor",
    }
)
# pydantic's model validators as Powertools' parser re-exports them: not the validation
# utility's handler decorator `aws_lambda_powertools.utilities.validation.validator`.
POWERTOOLS_PYDANTIC_REEXPORTS = (
    "aws_lambda_powertools.utilities.parser.validator",
    "aws_lambda_powertools.utilities.parser.root_validator",
    "aws_lambda_powertools.utilities.parser.field_validator",
    "aws_lambda_powertools.utilities.parser.model_validator",
)


# -- durable functions: the AWS Durable Execution SDK for Python (LAM5) ------------------------
#
# `@durable_execution` turns a function `(event, context: DurableContext)` into the Lambda
# handler.  The handler runs from the top on every resumption; a completed durable operation
# returns its checkpointed result instead of running again.  Names below are matched by the
# SDK's top-level package and the exported name, so `aws_durable_execution_sdk_python.X` and
# `aws_durable_execution_sdk_python.<submodule>.X` both count.

DURABLE_SDK_PACKAGE = "aws_durable_execution_sdk_python"
# The decorator that makes a durable handler (also used as `durable_execution(fn)`).
DURABLE_EXECUTION_DECORATORS = frozenset({"durable_execution"})
# Decorators whose function becomes the body of a step (`context.step(fetch(user_id))`); the
# first parameter receives a `StepContext` (or the callback id for a callback submitter).
DURABLE_STEP_DECORATORS = frozenset({"durable_step", "durable_wait_for_callback"})
# Decorators whose function runs in a child context: its first parameter is a DurableContext,
# its own durable operations are allowed, and its code outside them replays like the handler.
DURABLE_CHILD_CONTEXT_DECORATORS = frozenset({"durable_with_child_context", "durable_parallel_branch"})
# Types of the context a durable function's code receives (annotations that mark a parameter).
DURABLE_CONTEXT_TYPES = frozenset({"DurableContext"})

# The durable operations of `DurableContext`: method -> (parameter name, position, what the
# function passed there runs as) for the argument that holds user code, or None.
#   "step":  a step body, run once per attempt and checkpointed (exempt from replay rules,
#            may not start durable operations);
#   "child": a child-context function receiving a DurableContext (replayed; may start
#            durable operations on that context).
# `parallel` takes a sequence of functions; `map` calls func(context, item, index, items).
DURABLE_OPERATIONS = {
    "step": ("func", 0, "step"),
    "wait": None,
    "invoke": None,
    "create_callback": None,
    "wait_for_callback": ("submitter", 0, "step"),
    "wait_for_condition": ("check", 0, "step"),
    "run_in_child_context": ("func", 0, "child"),
    "map": ("func", 1, "child"),
    "parallel": ("functions", 0, "child"),
}
# The replay-aware logger's methods (`context.logger`, `step_context.logger`); it has no
# `critical` and no `log`, and takes only `extra=` as a keyword.
DURABLE_LOGGER_METHODS = frozenset({"debug", "info", "warning", "error", "exception"})
DURABLE_LOGGER_KEYWORDS = frozenset({"extra"})

# -- non-determinism outside a step (LAM501) -------------------------------------------------

_RANDOM_FUNCTIONS = (
    "random",
    "randint",
    "randrange",
    "choice",
    "choices",
    "sample",
    "shuffle",
    "uniform",
    "triangular",
    "gauss",
    "normalvariate",
    "lognormvariate",
    "expovariate",
    "vonmisesvariate",
    "gammavariate",
    "betavariate",
    "paretovariate",
    "weibullvariate",
    "getrandbits",
    "randbytes",
    "binomialvariate",
)
_NUMPY_RANDOM_FUNCTIONS = (
    "rand",
    "randn",
    "randint",
    "random",
    "random_sample",
    "choice",
    "shuffle",
    "permutation",
    "normal",
    "uniform",
    "default_rng",
    "integers",
    "bytes",
)
_SECRETS_FUNCTIONS = ("token_bytes", "token_hex", "token_urlsafe", "choice", "randbelow", "randbits")

# qualified name -> what calling it does ("reads the clock", ...), for messages.
NONDETERMINISTIC_CALLS = {
    **{
        name: "reads the clock"
        for name in (
            "time.time",
            "time.time_ns",
            "time.monotonic",
            "time.monotonic_ns",
            "time.perf_counter",
            "time.perf_counter_ns",
            "time.process_time",
            "time.process_time_ns",
            "time.thread_time",
            "time.clock_gettime",
            "time.clock_gettime_ns",
            "datetime.datetime.now",
            "datetime.datetime.utcnow",
            "datetime.datetime.today",
            "datetime.date.today",
            "arrow.now",
            "arrow.utcnow",
            "pendulum.now",
            "pendulum.today",
            "pendulum.tomorrow",
            "pendulum.yesterday",
            "pandas.Timestamp.now",
            "pandas.Timestamp.utcnow",
            "pandas.Timestamp.today",
        )
    },
    **{f"random.{name}": "draws a random value" for name in _RANDOM_FUNCTIONS},
    **{f"random.Random().{name}": "draws a random value" for name in _RANDOM_FUNCTIONS},
    **{f"random.SystemRandom().{name}": "draws a random value" for name in _RANDOM_FUNCTIONS},
    **{f"numpy.random.{name}": "draws a random value" for name in _NUMPY_RANDOM_FUNCTIONS},
    **{f"secrets.{name}": "draws a random value" for name in _SECRETS_FUNCTIONS},
    **{f"secrets.SystemRandom().{name}": "draws a random value" for name in _RANDOM_FUNCTIONS},
    "uuid.uuid1": "makes a new UUID",
    "uuid.uuid4": "makes a new UUID",
    "uuid.uuid6": "makes a new UUID",
    "uuid.uuid7": "makes a new UUID",
    "os.urandom": "reads random bytes",
    "os.getrandom": "reads random bytes",
}
# Clock reads only when called without the time argument: `time.localtime()` is now,
# `time.localtime(ts)` converts ts.  Value: how many arguments the call has when it reads now.
CLOCK_READS_WITHOUT_TIME = {
    "time.localtime": 0,
    "time.gmtime": 0,
    "time.ctime": 0,
    "time.asctime": 0,
    "time.strftime": 1,
}
# Results the SDK's default serializer can checkpoint (str, numbers, bytes, UUID, datetime,
# date, lists/tuples/dicts of those): the calls lambdalint may wrap in `context.step(...)`.
# `random.shuffle` (mutates its argument), generators (`random.Random()`,
# `numpy.random.default_rng()`) and struct_time results are not among them.
STEP_CHECKPOINTABLE_CALLS = frozenset(
    {
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.ctime",
        "time.asctime",
        "time.strftime",
        "uuid.uuid1",
        "uuid.uuid4",
        "uuid.uuid6",
        "uuid.uuid7",
        "os.urandom",
        "random.random",
        "random.randint",
        "random.randrange",
        "random.uniform",
        "random.gauss",
        "random.getrandbits",
        "random.randbytes",
        "random.triangular",
        "random.normalvariate",
        "random.expovariate",
        "secrets.token_bytes",
        "secrets.token_hex",
        "secrets.token_urlsafe",
        "secrets.randbelow",
        "secrets.randbits",
        "os.getenv",
        "os.environ.get",
    }
)

# Environment reads.  Variables Lambda sets per invocation or per execution environment differ
# between the first run and a replay in any case; any other variable can change between
# deployments (a replay on `$LATEST` after a deploy), which matters where it decides the path.
ENVIRONMENT_READS = frozenset({"os.getenv", "os.environ.get"})  # and `os.environ[...]`
VOLATILE_ENVIRONMENT_VARIABLES = frozenset(
    {
        "_X_AMZN_TRACE_ID",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    }
)
# Variables that are fixed for a function version: never a replay problem.
STABLE_ENVIRONMENT_VARIABLES = frozenset(
    {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_EXECUTION_ENV",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "AWS_LAMBDA_RUNTIME_API",
        "_HANDLER",
        "TZ",
        "LANG",
        "PATH",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
    }
)

# Variables the runtime defines for every function ("Defined runtime environment variables";
# not the log group and stream, which SnapStart functions lack).  Code that runs only where
# one is missing (`if "AWS_EXECUTION_ENV" not in os.environ:`) is local development, as is
# code that runs only where `sam local` sets AWS_SAM_LOCAL.
ALWAYS_DEFINED_IN_LAMBDA = frozenset(
    {
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
ONLY_DEFINED_LOCALLY = frozenset({"AWS_SAM_LOCAL"})

# -- side effects outside a step (LAM502) ------------------------------------------------------

# HTTP requests made by module functions (sessions and pools are CLIENT_CONSTRUCTORS: every
# method call on them that does I/O is a side effect).
HTTP_REQUESTS = (
    HTTP_GETS
    | frozenset(
        f"{module}.{method}"
        for module in ("requests", "requests.api", "httpx")
        for method in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
    )
    | frozenset(
        {
            "urllib3.request",
            "urllib.request.urlopen",
            "http.client.HTTPConnection().request",
            "http.client.HTTPSConnection().request",
        }
    )
)
# Methods of clients, sessions and connections that do no I/O of their own.
CLIENT_LOCAL_METHODS = frozenset(
    {
        "get_paginator",
        "get_waiter",
        "can_paginate",
        "cursor",
        "close",
        "pipeline",
        "meta",
        "exceptions",
        "mount",
        "build_request",
        "get_available_regions",
        "get_partition_for_region",
    }
)
# Message sends outside AWS (SNS, SQS, SES and EventBridge are AWS SDK calls).
MESSAGE_SENDS = frozenset(
    {
        "smtplib.SMTP().sendmail",
        "smtplib.SMTP().send_message",
        "smtplib.SMTP_SSL().sendmail",
        "smtplib.SMTP_SSL().send_message",
        "kafka.KafkaProducer().send",
        "confluent_kafka.Producer().produce",
        "pika.BlockingConnection().channel().basic_publish",
    }
)
# Calls that write, move or delete files.
FILE_WRITES = frozenset(
    {
        "os.remove",
        "os.unlink",
        "os.rename",
        "os.replace",
        "os.rmdir",
        "os.removedirs",
        "os.mkdir",
        "os.makedirs",
        "os.truncate",
        "os.write",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "shutil.rmtree",
    }
)
PATH_WRITE_METHODS = frozenset({"write_text", "write_bytes", "touch", "unlink", "mkdir", "rmdir", "rename", "replace"})
# `open(path, mode)`: a mode with one of these characters writes.
WRITE_MODE_CHARACTERS = frozenset("wax+")

# -- logging outside a step (LAM505) ---------------------------------------------------------

LOGGING_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
# Loggers that are not replay-aware: `logging` itself and its loggers, Powertools, structlog
# and loguru.  Factories are called (`logging.getLogger(__name__).info`); objects are used as
# they are (`logging.root.info`, `loguru.logger.info`); `logging.info` is the module function.
LOGGING_MODULES = frozenset({"logging"})
LOGGER_FACTORIES = frozenset(
    {
        "logging.getLogger",
        "logging.LoggerAdapter",
        "aws_lambda_powertools.Logger",
        "aws_lambda_powertools.logging.Logger",
        "aws_lambda_powertools.logging.logger.Logger",
        "structlog.get_logger",
        "structlog.getLogger",
        "structlog.stdlib.get_logger",
    }
)
LOGGER_OBJECTS = frozenset({"logging.root", "loguru.logger"})

# -- logging context that outlives a request (LAM104) -----------------------------------------

# A Powertools Logger, by qualified name of its construction (`logger = Logger()`).
POWERTOOLS_LOGGERS = frozenset(
    {
        "aws_lambda_powertools.Logger()",
        "aws_lambda_powertools.logging.Logger()",
        "aws_lambda_powertools.logging.logger.Logger()",
    }
)
# Logger methods that add keys to every later record: method -> the key store they write.
# `append_keys` keys and `thread_safe_append_keys` keys are separate stores; each is only
# removed by its own methods (Powertools "Removing additional keys").
POWERTOOLS_APPENDERS = {"append_keys": "keys", "thread_safe_append_keys": "thread keys"}
# Methods that remove keys again: method -> the stores it empties (None: only the keys named).
POWERTOOLS_REMOVERS = {
    "remove_keys": ("keys", False),
    "thread_safe_remove_keys": ("thread keys", False),
    "clear_state": ("keys thread keys", True),
    "thread_safe_clear_keys": ("thread keys", True),
}
# `structure_logs(append=True, **keys)` is the legacy append; without `append` it resets.
POWERTOOLS_LEGACY_APPEND = "structure_logs"
POWERTOOLS_INJECT_CONTEXT = "inject_lambda_context"
# The context manager that removes its keys on exit (Powertools 3.5+): never a leak.
POWERTOOLS_SCOPED_KEYS = "append_context_keys"

# structlog's process-wide context: Lambda calls the handler in the same thread and context
# on every invocation, so contextvars (and thread-locals) bound in one request are still
# bound in the next.
STRUCTLOG_BINDERS = frozenset({"structlog.contextvars.bind_contextvars", "structlog.threadlocal.bind_threadlocal"})
STRUCTLOG_CLEARERS = frozenset({"structlog.contextvars.clear_contextvars", "structlog.threadlocal.clear_threadlocal"})
STRUCTLOG_UNBINDERS = frozenset(
    {
        "structlog.contextvars.unbind_contextvars",
        "structlog.contextvars.reset_contextvars",
        "structlog.threadlocal.unbind_threadlocal",
    }
)
LOGGER_ADAPTERS = frozenset({"logging.LoggerAdapter"})
# Method names that emit a log record (a record written before the keys are set again
# carries the previous request's values).
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"})

# -- variables the Lambda runtime defines (LAM107) --------------------------------------------

# "Defined runtime environment variables" of the Lambda developer guide: reserved, set by
# the runtime for every function.  Name -> what it holds and who reads it.
RESERVED_ENV_VARS = {
    "_HANDLER": "the handler location the runtime imports",
    "_X_AMZN_TRACE_ID": "the X-Ray tracing header, set by the runtime for each invocation",
    "AWS_DEFAULT_REGION": "the Region the SDKs use by default",
    "AWS_REGION": "the Region the function runs in, which the SDKs use by default",
    "AWS_EXECUTION_ENV": "the runtime identifier (the SDKs put it in their user agent)",
    "AWS_LAMBDA_FUNCTION_NAME": "the function's name",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "the function's memory size",
    "AWS_LAMBDA_FUNCTION_VERSION": "the version being run",
    "AWS_LAMBDA_INITIALIZATION_TYPE": "how the environment was initialised (on-demand, "
    "provisioned-concurrency, snap-start)",
    "AWS_LAMBDA_LOG_GROUP_NAME": "the CloudWatch Logs group",
    "AWS_LAMBDA_LOG_STREAM_NAME": "the CloudWatch Logs stream",
    "AWS_ACCESS_KEY": "the execution role's access key",
    "AWS_ACCESS_KEY_ID": "the execution role's access key",
    "AWS_SECRET_ACCESS_KEY": "the execution role's secret key",
    "AWS_SESSION_TOKEN": "the execution role's session token",
    "AWS_LAMBDA_RUNTIME_API": "the host and port of the Runtime API",
    "LAMBDA_TASK_ROOT": "the path to the function's code",
    "LAMBDA_RUNTIME_DIR": "the path to the runtime's libraries",
}
# Any other AWS_LAMBDA_* name is the runtime's too, except those the guide lists as settable.
RESERVED_ENV_PREFIX = "AWS_LAMBDA_"
SETTABLE_AWS_LAMBDA_VARS = frozenset({"AWS_LAMBDA_EXEC_WRAPPER", "AWS_LAMBDA_DOTNET_PREJIT"})
CREDENTIAL_ENV_VARS = frozenset({"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
REGION_ENV_VARS = frozenset({"AWS_REGION", "AWS_DEFAULT_REGION"})
ENVIRON = "os.environ"
# `os.environ.<method>(...)` that writes or deletes keys (`setdefault` does not: Lambda has
# already set every reserved variable, so it keeps Lambda's value).
ENVIRON_WRITERS = frozenset({"update", "pop", "popitem", "clear", "__setitem__", "__delitem__"})
ENV_FUNCTIONS = frozenset({"os.putenv", "os.unsetenv"})

# -- coroutines as entry points (LAM305) --------------------------------------------------------

# Powertools resolvers that await async route functions themselves.
POWERTOOLS_ASYNC_RESOLVERS = frozenset({"AppSyncEventsResolver"})
# Route decorators whose functions Powertools awaits.
POWERTOOLS_ASYNC_ROUTE_METHODS = frozenset({"async_batch_resolver"})
# `app.resolve_async(event, context)`: the resolver's coroutine that awaits async routes
# (run with `asyncio.run(...)` in a synchronous handler).
POWERTOOLS_ASYNC_RESOLVE = "resolve_async"
# What runs a coroutine to completion from synchronous code.
COROUTINE_RUNNERS = frozenset({"asyncio.run", "asyncio.Runner().run", "anyio.run", "trio.run"})
COROUTINE_RUNNER_METHODS = frozenset({"run_until_complete"})

# -- Lambda-to-Lambda calls (LAM306) -------------------------------------------------------------

LAMBDA_SERVICE = "lambda"
LAMBDA_SYNC_INVOKE_METHODS = frozenset({"invoke"})
# InvocationType values that wait for the other function's result (the default).
SYNC_INVOCATION_TYPES = frozenset({"RequestResponse"})

# -- HTTP requests and their timeouts (LAM307) -----------------------------------------------------

_VERBS = ("post", "put", "patch", "delete", "head", "options", "request")


def _library(qualified_name: str) -> str:
    top = qualified_name.split(".")[0]
    return "urllib" if qualified_name.startswith("urllib.") else top


# Module-level request functions: qualified name -> library (the GETs of HTTP_GETS, and
# the other methods of the same modules).
HTTP_REQUEST_FUNCTIONS = {
    **{name: _library(name) for name in HTTP_GETS if "()" not in name},
    **{f"{module}.{verb}": _library(module) for module in ("requests", "requests.api", "httpx") for verb in _VERBS},
    "httpx.stream": "httpx",
}
# Session, client and pool constructors: qualified name -> library (LAM201's HTTP
# connection pools, and the other pool classes of urllib3).
HTTP_CLIENTS = {
    **{name: _library(name) for name in CLIENT_CONSTRUCTORS if client_kind(name) == "HTTP connection pool"},
    "urllib3.ProxyManager": "urllib3",
    "urllib3.poolmanager.ProxyManager": "urllib3",
    "urllib3.HTTPConnectionPool": "urllib3",
    "urllib3.HTTPSConnectionPool": "urllib3",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3",
    "urllib3.connection_from_url": "urllib3",
    "urllib.request.build_opener": "urllib",
}
# Methods of those objects that send a request, by library.
HTTP_CLIENT_METHODS = {
    "requests": frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send"}),
    "httpx": frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}),
    "urllib3": frozenset({"request", "urlopen", "request_encode_url", "request_encode_body"}),
    "urllib": frozenset({"open"}),
}
# Libraries whose requests time out unless told otherwise (httpx: 5 s); for the others a
# request without a timeout waits for as long as the peer keeps the connection open.
HTTP_DEFAULT_TIMEOUT = {"httpx": 5.0}
# Where `timeout` may be passed positionally: (library, function or method) -> index.
HTTP_TIMEOUT_POSITION = {("urllib", "urlopen"): 2, ("urllib", "open"): 2, ("requests", "request"): 8}
# Where the URL is: (library, function or method) -> index (else the first argument).
HTTP_URL_POSITION = {
    ("requests", "request"): 1,
    ("httpx", "request"): 1,
    ("httpx", "stream"): 1,
    ("urllib3", "request"): 1,
    ("urllib3", "urlopen"): 1,
    ("urllib3", "request_encode_url"): 1,
    ("urllib3", "request_encode_body"): 1,
}
# Libraries built on urllib3 or the socket module, whose default timeout
# `socket.setdefaulttimeout(...)` sets (requests passes an explicit None instead).
SOCKET_DEFAULT_APPLIES = frozenset({"urllib", "urllib3"})
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


# The host name LocalStack's own docker-compose file gives its container.
LOCAL_EMULATOR_HOSTS = ("localstack",)


def names_local_host(url: str) -> bool:
    """The URL (or its leading text) points at this machine: a Lambda extension, or in a
    client's `endpoint_url` a local emulator (DynamoDB Local, LocalStack) for development."""
    return any(f"//{host}" in url for host in LOCAL_HOSTS)


def names_local_emulator(url: str) -> bool:
    """A client's `endpoint_url` for development: this machine or a LocalStack container."""
    return names_local_host(url) or any(f"//{host}" in url for host in LOCAL_EMULATOR_HOSTS)


HTTP_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter"})
TIMEOUT_TYPES = frozenset({"httpx.Timeout", "urllib3.Timeout", "urllib3.util.Timeout", "urllib3.util.timeout.Timeout"})
SOCKET_DEFAULT_TIMEOUT = "socket.setdefaulttimeout"
# The `timeout=` lambdalint's fix adds when the function's own timeout is not known (s).
DEFAULT_REQUEST_TIMEOUT = 10


# -- code a build makes (LAM304) ------------------------------------------------------------
# A template's code directory that is a prebuilt archive, or a build directory that is not in
# the repository: Lambda gets what a build step writes there, which lambdalint cannot see.
BUILT_ARCHIVE_SUFFIXES = (".zip", ".jar")
BUILD_OUTPUT_DIRS = frozenset({".build", "build", "dist", ".aws-sam", "cdk.out", ".serverless", "target", "package"})
# The Lambda Web Adapter runs a web application instead of a Python handler: its layer's
# `/opt/bootstrap`, set as `AWS_LAMBDA_EXEC_WRAPPER`, starts the `Handler` as a script
# (`run.sh`). Layer names as AWS publishes them (LambdaAdapterLayerX86, ...Arm64).
EXEC_WRAPPER_VARIABLE = "AWS_LAMBDA_EXEC_WRAPPER"
WEB_ADAPTER_WRAPPERS = frozenset({"/opt/bootstrap"})
WEB_ADAPTER_LAYER_MARKERS = ("LambdaAdapterLayer",)
# Serverless Framework plugins that generate the handler module at package time.
SERVERLESS_PLUGIN_HANDLERS = {"serverless-wsgi": "wsgi_handler"}

# -- modules loaded before a handler runs (LAM203) ----------------------------------------
# Modules already in `sys.modules` once a library is imported: an `import` of one of them
# inside a handler is a dictionary lookup, not a load. Measured, not guessed: each set is
# what `import <library>` added to `sys.modules` in a fresh `python -I` (Python 3.11,
# boto3/botocore 1.44.8, requests 2.34.2 with urllib3 2.8, opensearch-py 3.2.0), private
# modules left out, and so are the charset detector's modules (requests loads
# charset_normalizer or chardet, whichever is installed); `STARTUP` is what the interpreter
# loads before any code runs. Measure again when a library changes what it imports.
STARTUP = frozenset(
    (
        'abc',
        'builtins',
        'codecs',
        'encodings',
        'encodings.aliases',
        'encodings.utf_8',
        'genericpath',
        'io',
        'marshal',
        'os',
        'os.path',
        'posix',
        'posixpath',
        'site',
        'stat',
        'sys',
        'time',
        'zipimport',
    )
)

LOADED_WITH = {
    'json': frozenset(
        (
            'collections',
            'copyreg',
            'enum',
            'functools',
            'itertools',
            'json',
            'json.decoder',
            'json.encoder',
            'json.scanner',
            'keyword',
            'operator',
            're',
            'reprlib',
            'types',
        )
    ),
    'logging': frozenset(
        (
            'atexit',
            'collections',
            'collections.abc',
            'contextlib',
            'copyreg',
            'enum',
            'functools',
            'itertools',
            'keyword',
            'linecache',
            'logging',
            'operator',
            're',
            'reprlib',
            'string',
            'textwrap',
            'threading',
            'token',
            'tokenize',
            'traceback',
            'types',
            'warnings',
            'weakref',
        )
    ),
    'datetime': frozenset(('datetime', 'math', 'operator')),
    'urllib.request': frozenset(
        (
            'array',
            'base64',
            'binascii',
            'bisect',
            'bz2',
            'calendar',
            'collections',
            'collections.abc',
            'contextlib',
            'copyreg',
            'datetime',
            'email',
            'email.base64mime',
            'email.charset',
            'email.encoders',
            'email.errors',
            'email.feedparser',
            'email.header',
            'email.iterators',
            'email.message',
            'email.parser',
            'email.quoprimime',
            'email.utils',
            'enum',
            'errno',
            'fnmatch',
            'functools',
            'hashlib',
            'http',
            'http.client',
            'ipaddress',
            'itertools',
            'keyword',
            'locale',
            'lzma',
            'math',
            'operator',
            'quopri',
            'random',
            're',
            'reprlib',
            'select',
            'selectors',
            'shutil',
            'socket',
            'ssl',
            'string',
            'struct',
            'tempfile',
            'types',
            'urllib',
            'urllib.error',
            'urllib.parse',
            'urllib.request',
            'urllib.response',
            'warnings',
            'weakref',
            'zlib',
        )
    ),
    'boto3': frozenset(
        (
            'array',
            'ast',
            'atexit',
            'base64',
            'binascii',
            'bisect',
            'boto3',
            'boto3.compat',
            'boto3.docs',
            'boto3.docs.action',
            'boto3.docs.attr',
            'boto3.docs.base',
            'boto3.docs.client',
            'boto3.docs.collection',
            'boto3.docs.docstring',
            'boto3.docs.method',
            'boto3.docs.resource',
            'boto3.docs.service',
            'boto3.docs.subresource',
            'boto3.docs.utils',
            'boto3.docs.waiter',
            'boto3.exceptions',
            'boto3.resources',
            'boto3.resources.action',
            'boto3.resources.base',
            'boto3.resources.collection',
            'boto3.resources.factory',
            'boto3.resources.model',
            'boto3.resources.params',
            'boto3.resources.response',
            'boto3.session',
            'boto3.utils',
            'botocore',
            'botocore.args',
            'botocore.auth',
            'botocore.awsrequest',
            'botocore.client',
            'botocore.compat',
            'botocore.compress',
            'botocore.config',
            'botocore.configloader',
            'botocore.configprovider',
            'botocore.context',
            'botocore.credentials',
            'botocore.crt',
            'botocore.discovery',
            'botocore.docs',
            'botocore.docs.bcdoc',
            'botocore.docs.bcdoc.docstringparser',
            'botocore.docs.bcdoc.restdoc',
            'botocore.docs.bcdoc.style',
            'botocore.docs.client',
            'botocore.docs.docstring',
            'botocore.docs.example',
            'botocore.docs.method',
            'botocore.docs.paginator',
            'botocore.docs.params',
            'botocore.docs.service',
            'botocore.docs.shape',
            'botocore.docs.sharedexample',
            'botocore.docs.utils',
            'botocore.docs.waiter',
            'botocore.endpoint',
            'botocore.endpoint_provider',
            'botocore.errorfactory',
            'botocore.eventstream',
            'botocore.exceptions',
            'botocore.handlers',
            'botocore.history',
            'botocore.hooks',
            'botocore.httpchecksum',
            'botocore.httpsession',
            'botocore.loaders',
            'botocore.model',
            'botocore.monitoring',
            'botocore.paginate',
            'botocore.parsers',
            'botocore.plugin',
            'botocore.regions',
            'botocore.response',
            'botocore.retries',
            'botocore.retries.adaptive',
            'botocore.retries.base',
            'botocore.retries.bucket',
            'botocore.retries.quota',
            'botocore.retries.special',
            'botocore.retries.standard',
            'botocore.retries.throttling',
            'botocore.retryhandler',
            'botocore.serialize',
            'botocore.service_module_names',
            'botocore.session',
            'botocore.signers',
            'botocore.tokens',
            'botocore.translate',
            'botocore.useragent',
            'botocore.utils',
            'botocore.validate',
            'botocore.vendored',
            'botocore.vendored.requests',
            'botocore.vendored.requests.exceptions',
            'botocore.vendored.requests.packages',
            'botocore.vendored.requests.packages.urllib3',
            'botocore.vendored.requests.packages.urllib3.exceptions',
            'botocore.vendored.six',
            'botocore.waiter',
            'bz2',
            'calendar',
            'certifi',
            'certifi.core',
            'collections',
            'collections.abc',
            'concurrent',
            'concurrent.futures',
            'concurrent.futures.thread',
            'configparser',
            'contextlib',
            'contextvars',
            'copy',
            'copyreg',
            'csv',
            'dataclasses',
            'datetime',
            'dateutil',
            'dateutil.parser',
            'dateutil.parser.isoparser',
            'dateutil.relativedelta',
            'dateutil.tz',
            'dateutil.tz.tz',
            'decimal',
            'dis',
            'email',
            'email.base64mime',
            'email.charset',
            'email.encoders',
            'email.errors',
            'email.feedparser',
            'email.header',
            'email.iterators',
            'email.message',
            'email.parser',
            'email.quoprimime',
            'email.utils',
            'enum',
            'errno',
            'fcntl',
            'fnmatch',
            'functools',
            'getpass',
            'gzip',
            'hashlib',
            'heapq',
            'hmac',
            'html',
            'html.entities',
            'html.parser',
            'http',
            'http.client',
            'importlib',
            'importlib.abc',
            'importlib.machinery',
            'importlib.metadata',
            'importlib.resources',
            'importlib.resources.abc',
            'importlib.util',
            'inspect',
            'ipaddress',
            'itertools',
            'jmespath',
            'jmespath.ast',
            'jmespath.compat',
            'jmespath.exceptions',
            'jmespath.functions',
            'jmespath.lexer',
            'jmespath.parser',
            'jmespath.visitor',
            'json',
            'json.decoder',
            'json.encoder',
            'json.scanner',
            'keyword',
            'linecache',
            'locale',
            'logging',
            'lzma',
            'math',
            'mimetypes',
            'mmap',
            'multiprocessing',
            'multiprocessing.connection',
            'multiprocessing.context',
            'multiprocessing.managers',
            'multiprocessing.pool',
            'multiprocessing.process',
            'multiprocessing.reduction',
            'multiprocessing.resource_tracker',
            'multiprocessing.shared_memory',
            'multiprocessing.spawn',
            'multiprocessing.util',
            'ntpath',
            'numbers',
            'opcode',
            'operator',
            'pathlib',
            'pickle',
            'platform',
            'pyexpat',
            'pyexpat.errors',
            'pyexpat.model',
            'queue',
            'quopri',
            'random',
            're',
            'reprlib',
            'runpy',
            's3transfer',
            's3transfer.bandwidth',
            's3transfer.compat',
            's3transfer.constants',
            's3transfer.copies',
            's3transfer.delete',
            's3transfer.download',
            's3transfer.exceptions',
            's3transfer.futures',
            's3transfer.manager',
            's3transfer.tasks',
            's3transfer.upload',
            's3transfer.utils',
            'secrets',
            'select',
            'selectors',
            'shlex',
            'shutil',
            'signal',
            'six',
            'six.moves',
            'socket',
            'ssl',
            'string',
            'struct',
            'subprocess',
            'tempfile',
            'termios',
            'textwrap',
            'threading',
            'token',
            'tokenize',
            'traceback',
            'types',
            'typing',
            'typing.io',
            'typing.re',
            'urllib',
            'urllib.error',
            'urllib.parse',
            'urllib.request',
            'urllib.response',
            'urllib3',
            'urllib3.connection',
            'urllib3.connectionpool',
            'urllib3.contrib',
            'urllib3.exceptions',
            'urllib3.fields',
            'urllib3.filepost',
            'urllib3.http2',
            'urllib3.http2.probe',
            'urllib3.poolmanager',
            'urllib3.response',
            'urllib3.util',
            'urllib3.util.connection',
            'urllib3.util.proxy',
            'urllib3.util.request',
            'urllib3.util.response',
            'urllib3.util.retry',
            'urllib3.util.ssl_',
            'urllib3.util.ssl_match_hostname',
            'urllib3.util.ssltransport',
            'urllib3.util.timeout',
            'urllib3.util.url',
            'urllib3.util.util',
            'urllib3.util.wait',
            'uuid',
            'warnings',
            'weakref',
            'xml',
            'xml.etree',
            'xml.etree.ElementPath',
            'xml.etree.ElementTree',
            'zipfile',
            'zlib',
        )
    ),
    'requests': frozenset(
        (
            'array',
            'atexit',
            'base64',
            'binascii',
            'bisect',
            'bz2',
            'calendar',
            'certifi',
            'certifi.core',
            'collections',
            'collections.abc',
            'contextlib',
            'copy',
            'copyreg',
            'csv',
            'datetime',
            'email',
            'email.base64mime',
            'email.charset',
            'email.encoders',
            'email.errors',
            'email.feedparser',
            'email.header',
            'email.iterators',
            'email.message',
            'email.parser',
            'email.quoprimime',
            'email.utils',
            'encodings.idna',
            'enum',
            'errno',
            'fnmatch',
            'functools',
            'hashlib',
            'heapq',
            'hmac',
            'http',
            'http.client',
            'http.cookiejar',
            'http.cookies',
            'idna',
            'idna.core',
            'idna.idnadata',
            'idna.intranges',
            'idna.package_data',
            'importlib',
            'importlib.abc',
            'importlib.machinery',
            'importlib.metadata',
            'importlib.readers',
            'importlib.resources',
            'importlib.resources.abc',
            'importlib.resources.readers',
            'importlib.util',
            'ipaddress',
            'itertools',
            'json',
            'json.decoder',
            'json.encoder',
            'json.scanner',
            'keyword',
            'linecache',
            'locale',
            'logging',
            'lzma',
            'math',
            'mimetypes',
            'ntpath',
            'operator',
            'pathlib',
            'queue',
            'quopri',
            'random',
            're',
            'reprlib',
            'requests',
            'requests.adapters',
            'requests.api',
            'requests.auth',
            'requests.certs',
            'requests.compat',
            'requests.cookies',
            'requests.exceptions',
            'requests.hooks',
            'requests.models',
            'requests.packages',
            'requests.packages.idna',
            'requests.packages.idna.core',
            'requests.packages.idna.idnadata',
            'requests.packages.idna.intranges',
            'requests.packages.idna.package_data',
            'requests.packages.urllib3',
            'requests.packages.urllib3.connection',
            'requests.packages.urllib3.connectionpool',
            'requests.packages.urllib3.exceptions',
            'requests.packages.urllib3.fields',
            'requests.packages.urllib3.filepost',
            'requests.packages.urllib3.http2',
            'requests.packages.urllib3.http2.probe',
            'requests.packages.urllib3.poolmanager',
            'requests.packages.urllib3.response',
            'requests.packages.urllib3.util',
            'requests.packages.urllib3.util.connection',
            'requests.packages.urllib3.util.proxy',
            'requests.packages.urllib3.util.request',
            'requests.packages.urllib3.util.response',
            'requests.packages.urllib3.util.retry',
            'requests.packages.urllib3.util.ssl_',
            'requests.packages.urllib3.util.ssl_match_hostname',
            'requests.packages.urllib3.util.ssltransport',
            'requests.packages.urllib3.util.timeout',
            'requests.packages.urllib3.util.url',
            'requests.packages.urllib3.util.util',
            'requests.packages.urllib3.util.wait',
            'requests.sessions',
            'requests.status_codes',
            'requests.structures',
            'requests.utils',
            'select',
            'selectors',
            'shutil',
            'socket',
            'ssl',
            'string',
            'stringprep',
            'struct',
            'tempfile',
            'textwrap',
            'threading',
            'token',
            'tokenize',
            'traceback',
            'types',
            'typing',
            'typing.io',
            'typing.re',
            'unicodedata',
            'urllib',
            'urllib.error',
            'urllib.parse',
            'urllib.request',
            'urllib.response',
            'urllib3',
            'urllib3.connection',
            'urllib3.connectionpool',
            'urllib3.contrib',
            'urllib3.exceptions',
            'urllib3.fields',
            'urllib3.filepost',
            'urllib3.http2',
            'urllib3.http2.probe',
            'urllib3.poolmanager',
            'urllib3.response',
            'urllib3.util',
            'urllib3.util.connection',
            'urllib3.util.proxy',
            'urllib3.util.request',
            'urllib3.util.response',
            'urllib3.util.retry',
            'urllib3.util.ssl_',
            'urllib3.util.ssl_match_hostname',
            'urllib3.util.ssltransport',
            'urllib3.util.timeout',
            'urllib3.util.url',
            'urllib3.util.util',
            'urllib3.util.wait',
            'warnings',
            'weakref',
            'zipfile',
            'zlib',
        )
    ),
    'opensearchpy': frozenset(
        (
            'array',
            'ast',
            'asyncio',
            'asyncio.base_events',
            'asyncio.base_futures',
            'asyncio.base_subprocess',
            'asyncio.base_tasks',
            'asyncio.constants',
            'asyncio.coroutines',
            'asyncio.events',
            'asyncio.exceptions',
            'asyncio.format_helpers',
            'asyncio.futures',
            'asyncio.locks',
            'asyncio.log',
            'asyncio.mixins',
            'asyncio.protocols',
            'asyncio.queues',
            'asyncio.runners',
            'asyncio.selector_events',
            'asyncio.sslproto',
            'asyncio.staggered',
            'asyncio.streams',
            'asyncio.subprocess',
            'asyncio.taskgroups',
            'asyncio.tasks',
            'asyncio.threads',
            'asyncio.timeouts',
            'asyncio.transports',
            'asyncio.trsock',
            'asyncio.unix_events',
            'atexit',
            'base64',
            'binascii',
            'bisect',
            'bz2',
            'calendar',
            'certifi',
            'certifi.core',
            'collections',
            'collections.abc',
            'concurrent',
            'concurrent.futures',
            'contextlib',
            'contextvars',
            'copy',
            'copyreg',
            'csv',
            'ctypes',
            'datetime',
            'dateutil',
            'dateutil.parser',
            'dateutil.parser.isoparser',
            'dateutil.relativedelta',
            'dateutil.tz',
            'dateutil.tz.tz',
            'decimal',
            'dis',
            'email',
            'email.base64mime',
            'email.charset',
            'email.encoders',
            'email.errors',
            'email.feedparser',
            'email.header',
            'email.iterators',
            'email.message',
            'email.parser',
            'email.quoprimime',
            'email.utils',
            'encodings.idna',
            'enum',
            'errno',
            'events',
            'events.events',
            'fcntl',
            'fnmatch',
            'functools',
            'gzip',
            'hashlib',
            'heapq',
            'hmac',
            'http',
            'http.client',
            'http.cookiejar',
            'http.cookies',
            'idna',
            'idna.core',
            'idna.idnadata',
            'idna.intranges',
            'idna.package_data',
            'importlib',
            'importlib.abc',
            'importlib.machinery',
            'importlib.metadata',
            'importlib.readers',
            'importlib.resources',
            'importlib.resources.abc',
            'importlib.resources.readers',
            'importlib.util',
            'inspect',
            'ipaddress',
            'itertools',
            'json',
            'json.decoder',
            'json.encoder',
            'json.scanner',
            'keyword',
            'linecache',
            'locale',
            'logging',
            'lzma',
            'math',
            'mimetypes',
            'ntpath',
            'numbers',
            'opcode',
            'opensearchpy',
            'opensearchpy.client',
            'opensearchpy.client.cat',
            'opensearchpy.client.client',
            'opensearchpy.client.cluster',
            'opensearchpy.client.dangling_indices',
            'opensearchpy.client.features',
            'opensearchpy.client.http',
            'opensearchpy.client.indices',
            'opensearchpy.client.ingest',
            'opensearchpy.client.ingestion',
            'opensearchpy.client.insights',
            'opensearchpy.client.list',
            'opensearchpy.client.nodes',
            'opensearchpy.client.plugins',
            'opensearchpy.client.remote',
            'opensearchpy.client.remote_store',
            'opensearchpy.client.search_pipeline',
            'opensearchpy.client.security',
            'opensearchpy.client.snapshot',
            'opensearchpy.client.tasks',
            'opensearchpy.client.utils',
            'opensearchpy.client.wlm',
            'opensearchpy.compat',
            'opensearchpy.connection',
            'opensearchpy.connection.base',
            'opensearchpy.connection.connections',
            'opensearchpy.connection.http_requests',
            'opensearchpy.connection.http_urllib3',
            'opensearchpy.connection_pool',
            'opensearchpy.exceptions',
            'opensearchpy.helpers',
            'opensearchpy.helpers.actions',
            'opensearchpy.helpers.aggs',
            'opensearchpy.helpers.analysis',
            'opensearchpy.helpers.asyncsigner',
            'opensearchpy.helpers.document',
            'opensearchpy.helpers.errors',
            'opensearchpy.helpers.faceted_search',
            'opensearchpy.helpers.field',
            'opensearchpy.helpers.function',
            'opensearchpy.helpers.index',
            'opensearchpy.helpers.mapping',
            'opensearchpy.helpers.query',
            'opensearchpy.helpers.response',
            'opensearchpy.helpers.response.aggs',
            'opensearchpy.helpers.response.hit',
            'opensearchpy.helpers.search',
            'opensearchpy.helpers.signer',
            'opensearchpy.helpers.update_by_query',
            'opensearchpy.helpers.utils',
            'opensearchpy.helpers.wrappers',
            'opensearchpy.metrics',
            'opensearchpy.metrics.metrics',
            'opensearchpy.metrics.metrics_events',
            'opensearchpy.metrics.metrics_none',
            'opensearchpy.plugins',
            'opensearchpy.plugins.alerting',
            'opensearchpy.plugins.asynchronous_search',
            'opensearchpy.plugins.flow_framework',
            'opensearchpy.plugins.geospatial',
            'opensearchpy.plugins.index_management',
            'opensearchpy.plugins.knn',
            'opensearchpy.plugins.ltr',
            'opensearchpy.plugins.ml',
            'opensearchpy.plugins.neural',
            'opensearchpy.plugins.notifications',
            'opensearchpy.plugins.observability',
            'opensearchpy.plugins.ppl',
            'opensearchpy.plugins.query',
            'opensearchpy.plugins.replication',
            'opensearchpy.plugins.rollups',
            'opensearchpy.plugins.search_relevance',
            'opensearchpy.plugins.security_analytics',
            'opensearchpy.plugins.sm',
            'opensearchpy.plugins.sql',
            'opensearchpy.plugins.transforms',
            'opensearchpy.plugins.ubi',
            'opensearchpy.serializer',
            'opensearchpy.transport',
            'operator',
            'pathlib',
            'platform',
            'queue',
            'quopri',
            'random',
            're',
            'reprlib',
            'requests',
            'requests.adapters',
            'requests.api',
            'requests.auth',
            'requests.certs',
            'requests.compat',
            'requests.cookies',
            'requests.exceptions',
            'requests.hooks',
            'requests.models',
            'requests.packages',
            'requests.packages.idna',
            'requests.packages.idna.core',
            'requests.packages.idna.idnadata',
            'requests.packages.idna.intranges',
            'requests.packages.idna.package_data',
            'requests.packages.urllib3',
            'requests.packages.urllib3.connection',
            'requests.packages.urllib3.connectionpool',
            'requests.packages.urllib3.exceptions',
            'requests.packages.urllib3.fields',
            'requests.packages.urllib3.filepost',
            'requests.packages.urllib3.http2',
            'requests.packages.urllib3.http2.probe',
            'requests.packages.urllib3.poolmanager',
            'requests.packages.urllib3.response',
            'requests.packages.urllib3.util',
            'requests.packages.urllib3.util.connection',
            'requests.packages.urllib3.util.proxy',
            'requests.packages.urllib3.util.request',
            'requests.packages.urllib3.util.response',
            'requests.packages.urllib3.util.retry',
            'requests.packages.urllib3.util.ssl_',
            'requests.packages.urllib3.util.ssl_match_hostname',
            'requests.packages.urllib3.util.ssltransport',
            'requests.packages.urllib3.util.timeout',
            'requests.packages.urllib3.util.url',
            'requests.packages.urllib3.util.util',
            'requests.packages.urllib3.util.wait',
            'requests.sessions',
            'requests.status_codes',
            'requests.structures',
            'requests.utils',
            'select',
            'selectors',
            'shutil',
            'signal',
            'socket',
            'ssl',
            'string',
            'stringprep',
            'struct',
            'subprocess',
            'sysconfig',
            'tempfile',
            'textwrap',
            'threading',
            'token',
            'tokenize',
            'traceback',
            'types',
            'typing',
            'typing.io',
            'typing.re',
            'unicodedata',
            'urllib',
            'urllib.error',
            'urllib.parse',
            'urllib.request',
            'urllib.response',
            'urllib3',
            'urllib3.connection',
            'urllib3.connectionpool',
            'urllib3.contrib',
            'urllib3.exceptions',
            'urllib3.fields',
            'urllib3.filepost',
            'urllib3.http2',
            'urllib3.http2.probe',
            'urllib3.poolmanager',
            'urllib3.response',
            'urllib3.util',
            'urllib3.util.connection',
            'urllib3.util.proxy',
            'urllib3.util.request',
            'urllib3.util.response',
            'urllib3.util.retry',
            'urllib3.util.ssl_',
            'urllib3.util.ssl_match_hostname',
            'urllib3.util.ssltransport',
            'urllib3.util.timeout',
            'urllib3.util.url',
            'urllib3.util.util',
            'urllib3.util.wait',
            'uuid',
            'warnings',
            'weakref',
            'zipfile',
            'zlib',
            'zoneinfo',
        )
    ),
}
