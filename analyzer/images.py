"""Third-party images: what a deployed image is when it is not the project's own code."""
from __future__ import annotations

import re

# image name (last path segment, without tag) -> (node kind, type)
_THIRD_PARTY: tuple[tuple[str, str, str], ...] = (
    (r"postgres|postgis|timescaledb|pgvector|cockroach|alloydb.*|supabase-postgres", "datastore", "postgres"),
    (r"mysql|mariadb|percona.*|tidb", "datastore", "mysql"),
    (r"mongo|mongodb|mongo-express", "datastore", "mongodb"),
    (r"redis.*|valkey|keydb|dragonfly", "datastore", "redis"),
    (r"memcached", "datastore", "memcached"),
    (r"elasticsearch|opensearch", "datastore", "elasticsearch"),
    (r"cassandra|scylla", "datastore", "cassandra"),
    (r"minio|localstack|s3mock|fake-gcs-server|azurite", "datastore", "s3"),
    (r"neo4j", "datastore", "neo4j"),
    (r"influxdb", "datastore", "influxdb"),
    (r"couchdb|couchbase.*", "datastore", "couchdb"),
    (r"dynamodb-local", "datastore", "dynamodb"),
    (r"etcd", "datastore", "etcd"),
    (r"rabbitmq", "broker", "rabbitmq"),
    (r"kafka|cp-kafka|cp-server|redpanda|kafka-native", "broker", "kafka"),
    (r"nats|nats-streaming", "broker", "nats"),
    (r"activemq.*|artemis.*", "broker", "activemq"),
    (r"pulsar", "broker", "pulsar"),
    (r"zookeeper|cp-zookeeper", "infra", "zookeeper"),
    (r"jaeger.*|all-in-one|zipkin|otel.*|opentelemetry-collector.*|tempo|grafana|prometheus|"
     r"alertmanager|loki|promtail|fluentd|fluent-bit|logstash|kibana|cadvisor|node-exporter|"
     r"pushgateway|statsd.*|datadog.*|instana.*|elastic-agent|apm-server", "infra", "telemetry"),
    (r"schema-registry|cp-schema-registry|kafka-ui|kafdrop|akhq|pgadmin.*|adminer|redis-commander|"
     r"mailhog|mailpit|maildev|consul|vault|traefik|portainer|flower|control-center|busybox|curl",
     "infra", "tooling"),
)


def image_name(image: str) -> str:
    """`docker.io/bitnami/kafka:3.6@sha256:..` -> `kafka`."""
    image = image.split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def third_party(image: str) -> tuple[str, str] | None:
    """(kind, type) for a well-known third-party image, else None."""
    if not image or "${" in image and image_name(image).startswith("$"):
        return None
    name = image_name(image)
    for pattern, kind, dtype in _THIRD_PARTY:
        if re.fullmatch(pattern, name):
            return kind, dtype
    return None
