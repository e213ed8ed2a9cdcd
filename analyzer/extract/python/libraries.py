"""What svclint knows about the network libraries: tables, not code.

Keys are qualified names as the import tracker spells them (`requests.Session`, `grpc.insecure_channel`).
Timeout defaults follow the labelling conventions: a library's own default counts (httpx 5 s,
aiohttp 300 s, tornado 20 s); requests, urllib, urllib3, http.client and grpc have none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")


@dataclass(frozen=True)
class ClientType:
    library: str
    kind: str                   # http | grpc-channel | producer | consumer | amqp-connection | ...
    default_timeout: bool       # a timeout applies when nothing is said
    methods: tuple[str, ...] = ()


# module-level functions that make a request: qualified name -> (library, default timeout)
HTTP_FUNCTIONS: dict[str, tuple[str, bool]] = {}
for _verb in HTTP_VERBS + ("request",):
    HTTP_FUNCTIONS[f"requests.{_verb}"] = ("requests", False)
    HTTP_FUNCTIONS[f"requests.api.{_verb}"] = ("requests", False)
    HTTP_FUNCTIONS[f"httpx.{_verb}"] = ("httpx", True)
HTTP_FUNCTIONS.update({
    "httpx.stream": ("httpx", True),
    "urllib.request.urlopen": ("urllib", False),
    "urllib2.urlopen": ("urllib", False),
    "urllib3.request": ("urllib3", False),
    "aiohttp.request": ("aiohttp", True),
})

_SESSION_METHODS = HTTP_VERBS + ("request", "stream", "send")

CLIENT_TYPES: dict[str, ClientType] = {
    "requests.Session": ClientType("requests", "http", False, _SESSION_METHODS),
    "requests.session": ClientType("requests", "http", False, _SESSION_METHODS),
    "requests.sessions.Session": ClientType("requests", "http", False, _SESSION_METHODS),
    "httpx.Client": ClientType("httpx", "http", True, _SESSION_METHODS),
    "httpx.AsyncClient": ClientType("httpx", "http", True, _SESSION_METHODS),
    "aiohttp.ClientSession": ClientType("aiohttp", "http", True, _SESSION_METHODS + ("ws_connect",)),
    "urllib3.PoolManager": ClientType("urllib3", "http", False, ("request", "urlopen", "request_encode_url")),
    "urllib3.HTTPConnectionPool": ClientType("urllib3", "http", False, ("request", "urlopen")),
    "urllib3.HTTPSConnectionPool": ClientType("urllib3", "http", False, ("request", "urlopen")),
    "urllib3.connection_from_url": ClientType("urllib3", "http", False, ("request", "urlopen")),
    "http.client.HTTPConnection": ClientType("http.client", "http", False, ("request",)),
    "http.client.HTTPSConnection": ClientType("http.client", "http", False, ("request",)),
    "tornado.httpclient.AsyncHTTPClient": ClientType("tornado", "http", True, ("fetch",)),
    "tornado.httpclient.HTTPClient": ClientType("tornado", "http", True, ("fetch",)),
    # gRPC channels: calls are made through stubs built on them
    "grpc.insecure_channel": ClientType("grpc", "grpc-channel", False),
    "grpc.secure_channel": ClientType("grpc", "grpc-channel", False),
    "grpc.aio.insecure_channel": ClientType("grpc", "grpc-channel", False),
    "grpc.aio.secure_channel": ClientType("grpc", "grpc-channel", False),
    "grpc.intercept_channel": ClientType("grpc", "grpc-channel", False),
    # Kafka
    "kafka.KafkaProducer": ClientType("kafka-python", "producer", False, ("send",)),
    "kafka.KafkaConsumer": ClientType("kafka-python", "consumer", False, ("subscribe",)),
    "confluent_kafka.Producer": ClientType("confluent-kafka", "producer", False, ("produce",)),
    "confluent_kafka.SerializingProducer": ClientType("confluent-kafka", "producer", False, ("produce",)),
    "confluent_kafka.Consumer": ClientType("confluent-kafka", "consumer", False, ("subscribe",)),
    "confluent_kafka.DeserializingConsumer": ClientType("confluent-kafka", "consumer", False, ("subscribe",)),
    "aiokafka.AIOKafkaProducer": ClientType("aiokafka", "producer", False, ("send", "send_and_wait")),
    "aiokafka.AIOKafkaConsumer": ClientType("aiokafka", "consumer", False, ("subscribe",)),
    # RabbitMQ
    "pika.BlockingConnection": ClientType("pika", "amqp-connection", True),
    "pika.SelectConnection": ClientType("pika", "amqp-connection", True),
    "aio_pika.connect_robust": ClientType("aio-pika", "amqp-connection", True),
    "aio_pika.connect": ClientType("aio-pika", "amqp-connection", True),
    "kombu.Connection": ClientType("kombu", "amqp-connection", True),
    "kombu.Producer": ClientType("kombu", "producer", False, ("publish",)),
    "kombu.Consumer": ClientType("kombu", "consumer", False, ()),
    # nameko
    "nameko.rpc.RpcProxy": ClientType("nameko", "nameko-rpc", False),
    "nameko.rpc.ServiceRpc": ClientType("nameko", "nameko-rpc", False),
    "nameko.rpc.Client": ClientType("nameko", "nameko-rpc", False),
    "nameko.standalone.rpc.ClusterRpcProxy": ClientType("nameko", "nameko-cluster", False),
    "nameko.standalone.rpc.ClusterRpcClient": ClientType("nameko", "nameko-cluster", False),
    "nameko.standalone.rpc.ServiceRpcProxy": ClientType("nameko", "nameko-rpc", False),
    "nameko.events.EventDispatcher": ClientType("nameko", "nameko-dispatcher", False),
    "nameko.standalone.events.event_dispatcher": ClientType("nameko", "nameko-dispatcher", False),
    "celery.Celery": ClientType("celery", "celery-app", False),
}

# datastore clients: qualified constructor -> (library, datastore type or "" to take it from the URL)
DATASTORE_CLIENTS: dict[str, tuple[str, str]] = {
    "sqlalchemy.create_engine": ("sqlalchemy", ""),
    "sqlalchemy.engine.create_engine": ("sqlalchemy", ""),
    "sqlalchemy.ext.asyncio.create_async_engine": ("sqlalchemy", ""),
    "sqlmodel.create_engine": ("sqlalchemy", ""),
    "databases.Database": ("databases", ""),
    "psycopg2.connect": ("psycopg2", "postgres"),
    "psycopg2.pool.SimpleConnectionPool": ("psycopg2", "postgres"),
    "psycopg2.pool.ThreadedConnectionPool": ("psycopg2", "postgres"),
    "psycopg.connect": ("psycopg", "postgres"),
    "psycopg.AsyncConnection.connect": ("psycopg", "postgres"),
    "psycopg_pool.ConnectionPool": ("psycopg", "postgres"),
    "asyncpg.connect": ("asyncpg", "postgres"),
    "asyncpg.create_pool": ("asyncpg", "postgres"),
    "pymysql.connect": ("pymysql", "mysql"),
    "MySQLdb.connect": ("mysqlclient", "mysql"),
    "mysql.connector.connect": ("mysql-connector", "mysql"),
    "aiomysql.connect": ("aiomysql", "mysql"),
    "aiomysql.create_pool": ("aiomysql", "mysql"),
    "pymongo.MongoClient": ("pymongo", "mongodb"),
    "motor.motor_asyncio.AsyncIOMotorClient": ("motor", "mongodb"),
    "mongoengine.connect": ("mongoengine", "mongodb"),
    "redis.Redis": ("redis", "redis"),
    "redis.StrictRedis": ("redis", "redis"),
    "redis.from_url": ("redis", "redis"),
    "redis.Redis.from_url": ("redis", "redis"),
    "redis.StrictRedis.from_url": ("redis", "redis"),
    "redis.ConnectionPool": ("redis", "redis"),
    "redis.ConnectionPool.from_url": ("redis", "redis"),
    "redis.asyncio.Redis": ("redis", "redis"),
    "redis.asyncio.from_url": ("redis", "redis"),
    "redis.asyncio.Redis.from_url": ("redis", "redis"),
    "aioredis.from_url": ("aioredis", "redis"),
    "aioredis.create_redis_pool": ("aioredis", "redis"),
    "aioredis.Redis": ("aioredis", "redis"),
    "elasticsearch.Elasticsearch": ("elasticsearch", "elasticsearch"),
    "elasticsearch.AsyncElasticsearch": ("elasticsearch", "elasticsearch"),
    "cassandra.cluster.Cluster": ("cassandra-driver", "cassandra"),
    "pymemcache.client.base.Client": ("pymemcache", "memcached"),
    "nameko_sqlalchemy.DatabaseSession": ("nameko-sqlalchemy", ""),
    "nameko_sqlalchemy.Database": ("nameko-sqlalchemy", ""),
    "nameko_redis.Redis": ("nameko-redis", "redis"),
    "flask_sqlalchemy.SQLAlchemy": ("flask-sqlalchemy", ""),
    "flask_pymongo.PyMongo": ("flask-pymongo", "mongodb"),
    # managed-database connectors and the frameworks that wrap them
    "langchain_google_alloydb_pg.AlloyDBEngine.from_instance": ("langchain-google-alloydb-pg", "postgres"),
    "langchain_google_alloydb_pg.AlloyDBEngine.afrom_instance": ("langchain-google-alloydb-pg", "postgres"),
    "langchain_google_cloud_sql_pg.PostgresEngine.from_instance": ("langchain-google-cloud-sql-pg", "postgres"),
    "langchain_postgres.PGVector": ("langchain-postgres", "postgres"),
    "google.cloud.alloydb.connector.Connector": ("alloydb-connector", "postgres"),
    "google.cloud.sql.connector.Connector": ("cloud-sql-connector", ""),
}

BOTO3_SERVICES = {"s3": ("db", "s3"), "dynamodb": ("db", "dynamodb"), "sqs": ("publish", "sqs"),
                  "sns": ("publish", "sns"), "kinesis": ("publish", "kinesis")}

# URL schemes that name a datastore or broker type
SCHEMES = {
    "postgres": "postgres", "postgresql": "postgres", "postgresql+psycopg2": "postgres",
    "postgresql+asyncpg": "postgres", "postgresql+psycopg": "postgres", "postgis": "postgres",
    "mysql": "mysql", "mysql+pymysql": "mysql", "mysql+mysqldb": "mysql", "mysql+aiomysql": "mysql",
    "mysql+mysqlconnector": "mysql", "mariadb": "mysql",
    "mongodb": "mongodb", "mongodb+srv": "mongodb",
    "redis": "redis", "rediss": "redis", "unix": "",
    "sqlite": "sqlite", "sqlite+aiosqlite": "sqlite",
    "amqp": "rabbitmq", "amqps": "rabbitmq", "pyamqp": "rabbitmq",
    "kafka": "kafka", "nats": "nats", "s3": "s3",
    "elasticsearch": "elasticsearch", "cassandra": "cassandra", "memcached": "memcached",
}

BROKER_TYPES = {"rabbitmq", "kafka", "nats", "sqs", "sns", "kinesis"}

WEB_FRAMEWORKS = {
    "fastapi": "fastapi", "flask": "flask", "django": "django", "aiohttp": "aiohttp",
    "starlette": "starlette", "tornado": "tornado", "sanic": "sanic", "quart": "quart",
    "falcon": "falcon", "bottle": "bottle", "pyramid": "pyramid", "litestar": "litestar",
}

APP_TYPES = {
    "fastapi.FastAPI": ("fastapi", "app"), "fastapi.APIRouter": ("fastapi", "router"),
    "fastapi.routing.APIRouter": ("fastapi", "router"),
    "flask.Flask": ("flask", "app"), "flask.Blueprint": ("flask", "router"),
    "quart.Quart": ("quart", "app"), "quart.Blueprint": ("quart", "router"),
    "sanic.Sanic": ("sanic", "app"), "sanic.Blueprint": ("sanic", "router"),
    "aiohttp.web.Application": ("aiohttp", "app"), "aiohttp.web.RouteTableDef": ("aiohttp", "router"),
    "starlette.applications.Starlette": ("starlette", "app"),
    "litestar.Litestar": ("litestar", "app"),
    "nameko.web.handlers.http": ("nameko", "decorator"),
}

STRUCTURED_LOGGING = ("structlog", "pythonjsonlogger", "json_log_formatter", "ecs_logging",
                      "django_structlog", "jsonlogger", "loguru")
TRACING = ("opentelemetry.trace", "opentelemetry.sdk.trace", "opentelemetry.instrumentation",
           "opentelemetry.exporter", "ddtrace", "instana", "jaeger_client", "opencensus.trace",
           "py_zipkin", "elasticapm", "opentracing", "sentry_sdk", "aws_xray_sdk", "newrelic")
METRICS = ("prometheus_client", "opentelemetry.metrics", "opentelemetry.sdk.metrics", "statsd",
           "datadog", "prometheus_flask_exporter", "starlette_exporter", "prometheus_fastapi_instrumentator",
           "aioprometheus", "django_prometheus", "starlette_prometheus")
RETRY_DECORATORS = ("tenacity.retry", "backoff.on_exception", "backoff.on_predicate", "stamina.retry",
                    "retrying.retry", "retry.retry", "urllib3.util.retry.Retry")
BREAKERS = ("pybreaker", "aiobreaker", "circuitbreaker", "purgatory")

# observability (OBS004-OBS009): markers in strings (logging dictConfig, INSTALLED_APPS), the imports
# that make outbound calls carry trace context (module prefix -> client library, "*" for all)
STRUCTURED_LOGGING_STRINGS = ("pythonjsonlogger", "structlog", "json_log_formatter", "ecs_logging",
                              "jsonformatter")
METRICS_STRINGS = ("django_prometheus",)
TRACE_PROPAGATION = {
    "opentelemetry.instrumentation.requests": "requests", "opentelemetry.instrumentation.httpx": "httpx",
    "opentelemetry.instrumentation.aiohttp_client": "aiohttp", "opentelemetry.instrumentation.grpc": "grpc",
    "opentelemetry.instrumentation.urllib": "urllib", "opentelemetry.instrumentation.urllib3": "urllib3",
    "opentelemetry.instrumentation.tornado": "tornado", "opentelemetry.instrumentation.auto_instrumentation": "*",
    "opentelemetry.propagate": "*", "opentelemetry.propagators": "*", "ddtrace": "*", "instana": "*",
    "elasticapm": "*", "newrelic": "*", "opencensus.ext.requests": "requests", "opencensus.ext.grpc": "grpc",
    "py_zipkin": "*", "sentry_sdk": "requests",
}
# commands that instrument a Python process from outside (Dockerfile CMD, compose/k8s command)
AUTO_INSTRUMENT_COMMANDS = ("opentelemetry-instrument", "ddtrace-run", "newrelic-admin", "elastic-apm")
HEALTH_NAMES = r"health|live|alive|ready|ping|probe"
CORRELATION_HEADERS = ("x-request-id", "x-correlation-id", "traceparent", "x-b3-traceid", "b3", "x-amzn-trace-id",
                       "x-cloud-trace-context", "request-id", "correlation-id", "uber-trace-id", "x-trace-id",
                       "sentry-trace", "x-cid")
IDEMPOTENCY_HEADERS = ("idempotency-key", "x-idempotency-key", "idempotency_key")

# ---- communication and data facts (COM002, COM003, DAT001-003)
# clients whose calls block the thread (a problem inside `async def`); httpx is both, by client
BLOCKING_LIBRARIES = ("requests", "urllib", "urllib3", "http.client")   # and pika.BlockingConnection
BLOCKING_CLIENTS = frozenset({"httpx.Client", "tornado.httpclient.HTTPClient"} |
                             {f"httpx.{v}" for v in HTTP_VERBS + ("request", "stream")})
# datastore clients whose operations block (their asyncio counterparts are other constructors)
SYNC_DATASTORES = frozenset(q for q, (library, _) in DATASTORE_CLIENTS.items() if library in (
    "psycopg2", "pymysql", "mysqlclient", "mysql-connector", "pymongo", "redis", "elasticsearch",
    "cassandra-driver", "pymemcache", "sqlalchemy") and not q.startswith(("redis.asyncio", "sqlalchemy.ext.asyncio"))
    and q != "elasticsearch.AsyncElasticsearch") | {"psycopg.connect", "psycopg_pool.ConnectionPool"}
BLOCKING_FUNCTIONS = ("time.sleep", "socket.create_connection", "subprocess.run", "subprocess.check_output")
# writes to a database: committing a unit of work, or a document store's single-statement writes
MONGO_WRITES = ("insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
                "delete_many", "bulk_write", "find_one_and_update", "find_one_and_replace", "find_one_and_delete")
DJANGO_WRITES = ("create", "bulk_create", "bulk_update", "update_or_create", "get_or_create")
ORM_MODULES = ("django", "rest_framework", "mongoengine", "peewee", "tortoise", "pony")

# modules whose import says a service authenticates its callers
AUTH_MODULES = ("flask_login", "flask_jwt_extended", "flask_httpauth", "fastapi.security", "authlib",
                "django.contrib.auth.decorators", "django.contrib.auth.mixins", "rest_framework.permissions",
                "rest_framework.authentication", "rest_framework_simplejwt", "fastapi_users", "starlette.authentication",
                "aiohttp_security", "flask_security", "oauth2_provider", "keycloak", "jwt", "jose")

# ---- the security and scalability hooks (security.py) and the pre-filter share these
# clients that open connections (or pools) when made: made inside a request handler, one per request
CLIENT_CONSTRUCTORS = frozenset({
    "requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession",
    "urllib3.PoolManager", "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
    "psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect", "asyncpg.connect",
    "asyncpg.create_pool", "pymysql.connect", "MySQLdb.connect", "mysql.connector.connect",
    "pymongo.MongoClient", "motor.motor_asyncio.AsyncIOMotorClient", "redis.Redis", "redis.StrictRedis",
    "redis.Redis.from_url", "redis.from_url", "redis.asyncio.Redis", "redis.asyncio.from_url",
    "aioredis.from_url", "boto3.client", "boto3.resource", "boto3.session.Session", "grpc.insecure_channel",
    "grpc.secure_channel", "grpc.aio.insecure_channel", "grpc.aio.secure_channel", "kafka.KafkaProducer",
    "kafka.KafkaConsumer", "confluent_kafka.Producer", "confluent_kafka.Consumer", "aiokafka.AIOKafkaProducer",
    "pika.BlockingConnection", "aio_pika.connect_robust", "aio_pika.connect", "elasticsearch.Elasticsearch",
    "pymemcache.client.base.Client", "cassandra.cluster.Cluster",
})
MUTABLE_CTORS = frozenset({"dict", "list", "set", "collections.defaultdict", "collections.OrderedDict",
                            "collections.Counter", "collections.deque", "defaultdict", "OrderedDict", "deque"})
MUTATORS = frozenset({"append", "extend", "update", "add", "setdefault", "pop", "popitem", "insert", "remove",
                       "clear", "discard", "appendleft", "popleft", "__setitem__"})
# names of module state that is meant to be per process: caches, locks, metric registries, loggers
PER_PROCESS = re.compile(r"cache|memo|lock|registry|metric|logger|_seen$|stats", re.I)
# request bodies and whole query mappings: (receiver attribute) -> what it is
BODY_ATTRS = {"json": "body", "get_json": "body", "form": "body", "data": "body", "get_data": "body",
               "values": "body", "files": "body", "body": "body", "POST": "body", "FILES": "body",
               "post": "body", "text": "body", "read": "body", "content": "body", "stream": "body"}
QUERY_WHOLE = {"to_dict", "dict", "items", "lists", "copy"}
VALIDATORS = re.compile(r"^(?:model_validate(?:_json)?|parse_obj|parse_raw|validate(?:_python|_json)?|"
                         r"is_valid|load|loads_schema|structure|from_dict|validated_data|check_schema|"
                         r"validate_request|validate_json|validate_body)$")
VALIDATION_DECORATORS = re.compile(r"(?:use_args|use_kwargs|validate|expects_json|accepts|"
                                    r"input_schema|body_schema|validate_request|arguments|doc_with_schema)$")
AUTH_WORDS = re.compile(r"auth|login_required|jwt_required|token_required|permission|current_user|"
                         r"requires_|verify_token|api_key|apikey|bearer|oauth|security|authenticated|"
                         r"check_token|verify_jwt", re.I)

LOG_CONFIG = ("logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig")

# a health-check path (`/health/`, `/healthz`, `/api/v1/ready`); a module-level call that passes one
# wraps the application in a health-check middleware (`application = health_check(application,
# "/health/")`): the service answers on that path, though no route declares it
HEALTH_PATH = re.compile(r"^/(?:api/)?(?:v\d+/)?(?:_|-/)?(health|healthz|healthcheck|health-check|health_check|"
                         r"ready|readyz|readiness|live|livez|liveness|alive|heartbeat)/?$", re.I)
