"""Message flows in the other languages of a polyglot repository, read lexically.

svclint parses Python; the Go, JavaScript/TypeScript, Java/Kotlin, PHP, C# and Ruby services beside it
are not parsed. Their message flows still matter: a Python service publishes to a queue that a Go
service consumes, and without the consumer the flow ends nowhere. So those files get a lexical pass:
only files that name a broker client library are read, and only calls whose queue, topic or routing key
is a string literal are recorded. Everything else in those languages (HTTP calls, routes) is left to the
deployment files, which say who talks to whom at least as reliably.
"""
from __future__ import annotations

import re

from ..model import CallSite

# a file is read only when it names one of these (import paths, packages, annotations)
_AMQP_LIB = re.compile(r"streadway/amqp|amqp091|['\"]amqplib|amqp-connection-manager|com\.rabbitmq|"
                       r"springframework\.amqp|PhpAmqpLib|RabbitMQ\.Client|['\"]bunny['\"]|require ['\"]bunny")
_KAFKA_LIB = re.compile(r"segmentio/kafka-go|confluent-kafka-go|confluentinc/confluent-kafka-go|IBM/sarama|"
                        r"Shopify/sarama|['\"]kafkajs['\"]|['\"]node-rdkafka['\"]|org\.apache\.kafka|"
                        r"springframework\.kafka|Confluent\.Kafka|rdkafka|['\"]ruby-kafka['\"]|['\"]karafka['\"]")

_S = r"""(["'`][\w.\-:/]+["'`]|\b[A-Za-z_]\w*\b(?![.(\[]))"""   # a literal, or a name the file binds
_S0 = r"""(["'`][\w.\-:/]*["'`])"""         # the same, possibly empty (AMQP's default exchange is "")
_M = r"(?:\.|->)"                             # a method call: Go/JS/Java `.`, PHP `->`
_BODY = r"(?:[^{}]|\{[^{}]*\})*?"               # a struct literal's fields, one level of braces inside
_LIST = r"""((?:\s*(?:["'`][\w.\-:/]+["'`]|\b[A-Za-z_]\w*\b(?![.(\[]))\s*,?)+)"""

# (broker, kind, pattern); group 1 is the channel, or a list of literals for the *_LIST patterns
_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (broker, kind, re.compile(pattern)) for broker, kind, pattern in (
        # AMQP: Go (amqp.Channel), Node (amqplib), Java/Kotlin client, PHP (php-amqplib), C#
        ("rabbitmq", "consume", _M + r"Consume\(\s*" + _S),
        ("rabbitmq", "consume", _M + r"consume\(\s*" + _S),
        ("rabbitmq", "consume", _M + r"(?:basicConsume|BasicConsume|basic_consume)\(\s*(?:queue\s*:\s*)?" + _S),
        ("rabbitmq", "consume", _M + r"QueueBind\(\s*[^,()]+,\s*" + _S),
        ("rabbitmq", "consume", _M + r"bindQueue\(\s*[^,()]+,\s*[^,()]+,\s*" + _S),
        ("rabbitmq", "consume", r"@RabbitListener\(\s*(?:queues\s*=\s*)?\{?" + _LIST),
        ("rabbitmq", "publish", _M + r"sendToQueue\(\s*" + _S),
        ("rabbitmq", "publish", _M + r"(?:Publish|PublishWithContext)\(\s*(?:[\w.]+,\s*)?" + _S0 + r"\s*,\s*" + _S0),
        ("rabbitmq", "publish", _M + r"publish\(\s*" + _S0 + r"\s*,\s*" + _S0),
        ("rabbitmq", "publish", _M + r"(?:basicPublish|BasicPublish)\(\s*" + _S0 + r"\s*,\s*" + _S0),
        ("rabbitmq", "publish", _M + r"basic_publish\(\s*\$\w+\s*,\s*" + _S0 + r"\s*,\s*" + _S0),
        ("rabbitmq", "publish", _M + r"convertAndSend\(\s*" + _S + r"(?:\s*,\s*" + _S + r")?"),
        # Kafka: Go (kafka-go, sarama, confluent), Node (kafkajs), Java/Kotlin (clients, Spring), C#
        ("kafka", "consume", r"ReaderConfig\s*\{" + _BODY + r"\bTopic\s*:\s*" + _S),
        ("kafka", "consume", _M + r"ConsumePartition\(\s*" + _S),
        ("kafka", "consume", _M + r"SubscribeTopics\(\s*\[\]string\s*\{" + _LIST),
        ("kafka", "consume", _M + r"[Ss]ubscribe\(\s*\{\s*topics?\s*:\s*\[?" + _LIST),
        ("kafka", "consume", r"(?:\.|->|(?<![\w.]))[Ss]ubscribe\(\s*(?:List\.of|Arrays\.asList|Collections\.singletonList|listOf|new\[\]\s*\{)?\(?" + _LIST),
        ("kafka", "consume", r"@KafkaListener\([^)]*?\btopics\s*=\s*\{?" + _LIST),
        ("kafka", "publish", r"(?:kafka\.)?Writer\s*\{" + _BODY + r"\bTopic\s*:\s*" + _S),
        ("kafka", "publish", r"ProducerMessage\s*\{" + _BODY + r"\bTopic\s*:\s*" + _S),
        ("kafka", "publish", _M + r"send\(\s*\{\s*topic\s*:\s*" + _S),
        ("kafka", "publish", r"new\s+ProducerRecord<[^>]*>\(\s*" + _S),
        ("kafka", "publish", r"(?:kafkaTemplate|KafkaTemplate|template)\.send\(\s*" + _S),
        ("kafka", "publish", _M + r"Produce(?:Async)?\(\s*" + _S),
    ))

_LINE_COMMENT = re.compile(r"(?m)^[ \t]*(?://|#|\*).*$")


# `NAME = "orders"`, `const Topic = "orders"`, `val topic = System.getenv("T") ?: "orders"`,
# `static readonly string TopicName = Environment.GetEnvironmentVariable("T") ?? "orders";`: the name
# holds the last string literal of its initialiser (the default, when the environment may override it)
_BINDING = re.compile(r"""\b([A-Za-z_]\w*)\s*(?::\s*[\w<>?]+\s*)?(?::=|=)(?!=)\s*([^;\n]*)""")
_LITERAL = re.compile(r"""["'`]([\w.\-:/]+)["'`]""")


def _bindings(code: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for m in _BINDING.finditer(code):
        literals = _LITERAL.findall(m.group(2))
        if literals and m.group(1) not in names:
            names[m.group(1)] = literals[-1]
    return names


def extract_foreign(text: str) -> tuple[CallSite, ...]:
    """Publish and consume operations with literal channel names, in one file of another language."""
    brokers = {b for b, lib in (("rabbitmq", _AMQP_LIB), ("kafka", _KAFKA_LIB)) if lib.search(text)}
    if not brokers:
        return ()
    # comment lines would otherwise show calls the code does not make; blank them, keeping line numbers
    code = _LINE_COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    names = _bindings(code)
    found: dict[tuple[int, str, str], CallSite] = {}
    for broker, kind, pattern in _PATTERNS:
        if broker not in brokers:
            continue
        library = "amqp" if broker == "rabbitmq" else "kafka"
        for m in pattern.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            for channel in _channels(m, kind, names):
                key = (line, kind, channel)
                found.setdefault(key, CallSite(library, kind, line, 0, operation=kind, channel=channel,
                                               symbol=f"{library}.{kind}"))
    return tuple(found[k] for k in sorted(found))


def _channels(m: re.Match[str], kind: str, names: dict[str, str]) -> list[str]:
    """The channel names a match shows: literals (one, or a list), or names the file binds to one."""
    values: list[list[str]] = []
    for group in m.groups():
        if group is None:
            continue
        items = []
        for item in (x.strip() for x in group.split(",")):
            if item[:1] in ("\"", "'", "`"):
                items.append(item[1:-1])
            elif item in names:
                items.append(names[item])
            elif item:
                return []      # a name built at run time: not guessed
        values.append(items or [""])
    if not values:
        return []
    if kind == "publish" and len(values) == 2:
        # (exchange, routing key): a direct exchange routes by key; an empty key means the exchange
        exchange, key = values[0][0], values[1][0]
        return [key or exchange] if key or exchange else []
    return [v for v in (values[-1] if kind == "publish" else values[0]) if v]
