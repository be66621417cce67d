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
STREAM_LOADERS = frozenset(
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
) | PATH_LOADERS
FILE_OPENERS = frozenset(
    {"open", "io.open", "codecs.open", "builtins.open", "gzip.open", "bz2.open", "lzma.open"}
)
PATH_CONSTRUCTORS = frozenset(
    {"pathlib.Path", "pathlib.PosixPath", "pathlib.PurePath", "pathlib.PurePosixPath"}
)
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

# Methods that change a container in place (a hoisted value must not be one the handler edits).
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "update", "setdefault", "add", "discard", "pop",
        "popitem", "remove", "clear", "appendleft", "extendleft", "sort", "reverse",
        "__setitem__", "__delitem__",
    }
)


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
        "str", "int", "float", "bool", "bytes", "dict", "list", "tuple", "set", "frozenset",
        "len", "min", "max", "sorted", "round", "abs", "repr", "format", "range", "zip",
        "os.getenv", "os.environ.get", "os.path.join", "os.path.dirname", "os.path.abspath",
        "os.path.realpath", "os.path.basename", "os.path.expanduser", "pathlib.Path",
        "pathlib.PurePath", "pathlib.PurePosixPath", "botocore.config.Config",
        "json.dumps", "json.loads", "urllib.parse.urljoin", "urllib.parse.quote",
        "datetime.timedelta",
    }
)
PURE_METHODS = frozenset(
    {
        "format", "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "replace",
        "join", "get", "encode", "decode", "startswith", "endswith", "joinpath", "with_name",
        "with_suffix", "copy", "keys", "values", "items", "title", "casefold", "removeprefix",
        "removesuffix", "parent",
    }
)
# Names that are constants wherever they are read.
BUILTIN_CONSTANTS = frozenset({"None", "True", "False", "__file__", "__name__"})

# -- the Lambda handler's parameters ---------------------------------------------------------

DEFAULT_HANDLER_NAMES = ("lambda_handler", "handler")
# `(event, context)` as handlers name them: `event`, `evt`, `sqs_event`, `_event`; `context`,
# `ctx`, `lambda_context`, `_`.  The entry-point pre-pass (`lambdalint.prepass`) mirrors
# EVENT_PARAM on raw text.
EVENT_PARAM = r"^_*(?:\w+_)?(?:event|evt)$"
CONTEXT_PARAM = r"^_*(?:\w+_)?(?:context|ctx)$|^_$"
# What differs per request on the Lambda context object (the rest describes the function
# or the environment, or is a timer).
REQUEST_CONTEXT_ATTRIBUTES = frozenset({"aws_request_id", "client_context", "identity"})

# -- web frameworks whose route functions Lambda reaches through the app object ------------

# `module.Class().method` after alias resolution, e.g. `app = APIGatewayRestResolver()`
# and `@app.get("/")` give `aws_lambda_powertools.event_handler.APIGatewayRestResolver().get`.
POWERTOOLS_ROUTE = r"^aws_lambda_powertools\.event_handler\.(?:[\w.]+\.)?(?P<cls>\w+)\(\)\.(?P<method>\w+)$"
POWERTOOLS_RESOLVERS = frozenset(
    {
        "APIGatewayRestResolver", "APIGatewayHttpResolver", "ALBResolver", "LambdaFunctionUrlResolver",
        "VPCLatticeResolver", "VPCLatticeV2Resolver", "AppSyncResolver", "AppSyncEventsResolver",
        "BedrockAgentResolver", "BedrockAgentFunctionResolver", "ApiGatewayResolver", "Router",
        "APIGatewayRouter", "APIGatewayHttpRouter", "ALBRouter", "LambdaFunctionUrlRouter",
        "VPCLatticeRouter", "VPCLatticeV2Router", "BedrockAgentRouter",
    }
)
POWERTOOLS_ROUTE_METHODS = frozenset(
    {
        "get", "post", "put", "delete", "patch", "head", "options", "route", "resolver",
        "batch_resolver", "async_batch_resolver", "on_publish", "on_subscribe", "tool",
        "exception_handler", "not_found",
    }
)
CHALICE_ROUTE = r"^chalice(?:\.app)?\.(?P<cls>Chalice|Blueprint)\(\)\.(?P<method>\w+)$"
CHALICE_METHODS = frozenset(
    {
        "route", "lambda_function", "on_s3_event", "on_sns_message", "on_sqs_message", "on_cw_event",
        "schedule", "on_dynamodb_record", "on_kinesis_record", "authorizer", "websocket_connect",
        "websocket_message", "websocket_disconnect", "middleware",
    }
)
ASGI_ROUTE = r"^(?:fastapi|starlette)(?:\.[\w.]+)?\.(?P<cls>FastAPI|APIRouter|Starlette|Router)\(\)\.(?P<method>\w+)$"
ASGI_ROUTE_METHODS = frozenset(
    {
        "get", "post", "put", "delete", "patch", "head", "options", "trace", "api_route", "route",
        "websocket", "websocket_route", "middleware", "exception_handler",
    }
)
MANGUM = frozenset({"mangum.Mangum", "mangum.adapter.Mangum"})
# `app.current_event` (Powertools), `app.current_request` (Chalice): this request's data.
REQUEST_ATTRIBUTES = ("current_event", "current_request")
# Powertools decorators whose wrapper calls the handler with (event, context).
POWERTOOLS_HANDLER_DECORATORS = frozenset(
    {
        "inject_lambda_context", "capture_lambda_handler", "log_metrics", "event_source",
        "event_parser", "validator", "idempotent", "batch_processor", "async_batch_processor",
    }
)

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
STRUCTLOG_BINDERS = frozenset(
    {"structlog.contextvars.bind_contextvars", "structlog.threadlocal.bind_threadlocal"}
)
STRUCTLOG_CLEARERS = frozenset(
    {"structlog.contextvars.clear_contextvars", "structlog.threadlocal.clear_threadlocal"}
)
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
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
)

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
CREDENTIAL_ENV_VARS = frozenset(
    {"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
)
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
    **{f"{module}.{verb}": _library(module)
       for module in ("requests", "requests.api", "httpx") for verb in _VERBS},
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
HTTP_URL_POSITION = {("requests", "request"): 1, ("httpx", "request"): 1, ("httpx", "stream"): 1,
                     ("urllib3", "request"): 1, ("urllib3", "urlopen"): 1,
                     ("urllib3", "request_encode_url"): 1, ("urllib3", "request_encode_body"): 1}
# Libraries built on urllib3 or the socket module, whose default timeout
# `socket.setdefaulttimeout(...)` sets (requests passes an explicit None instead).
SOCKET_DEFAULT_APPLIES = frozenset({"urllib", "urllib3"})
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
HTTP_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter"})
TIMEOUT_TYPES = frozenset({"httpx.Timeout", "urllib3.Timeout", "urllib3.util.Timeout",
                           "urllib3.util.timeout.Timeout"})
SOCKET_DEFAULT_TIMEOUT = "socket.setdefaulttimeout"
# The `timeout=` lambdalint's fix adds when the function's own timeout is not known (s).
DEFAULT_REQUEST_TIMEOUT = 10
