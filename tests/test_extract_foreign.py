"""Message flows read lexically from code in other languages (analyzer/extract/foreign.py)."""
from __future__ import annotations

from svclint.extract import extract_bytes
from svclint.extract.foreign import extract_foreign


def flows(text: str) -> set[tuple[str, str, int]]:
    return {(c.kind, c.channel, c.line) for c in extract_foreign(text)}


def test_go_amqp_consumer_and_binding():
    text = '''package main

import "github.com/streadway/amqp"

func main() {
	q, _ := ch.QueueDeclare("orders", true, false, false, false, nil)
	_ = ch.QueueBind(q.Name, "orders.paid", "shop", false, nil)
	// ch.Consume("commented-out", "", true, false, false, false, nil)
	msgs, _ := ch.Consume("orders", "", true, false, false, false, nil)
	_ = ch.Publish("", "receipts", false, false, amqp.Publishing{})
}
'''
    assert flows(text) == {("consume", "orders.paid", 7), ("consume", "orders", 9), ("publish", "receipts", 10)}


def test_go_kafka_reader_and_writer():
    text = '''import "github.com/segmentio/kafka-go"
r := kafka.NewReader(kafka.ReaderConfig{
	Brokers: []string{"kafka:9092"},
	Topic:   "payments",
})
w := &kafka.Writer{Addr: kafka.TCP("kafka:9092"), Topic: "receipts"}
'''
    assert {(k, c) for k, c, _ in flows(text)} == {("consume", "payments"), ("publish", "receipts")}


def test_node_amqplib_and_kafkajs():
    text = '''const amqp = require('amqplib');
const { Kafka } = require('kafkajs');
ch.consume('emails', onMessage);
ch.sendToQueue('audit', Buffer.from(x));
ch.publish('events', 'user.created', Buffer.from(x));
await consumer.subscribe({ topics: ['clicks', 'views'] });
await producer.send({ topic: 'scores', messages });
'''
    assert {(k, c) for k, c, _ in flows(text)} == {
        ("consume", "emails"), ("publish", "audit"), ("publish", "user.created"),
        ("consume", "clicks"), ("consume", "views"), ("publish", "scores")}


def test_java_spring_listeners_and_templates():
    text = '''import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.kafka.annotation.KafkaListener;
class Handlers {
    @RabbitListener(queues = "shipping")
    void onShip(String m) {}
    @KafkaListener(topics = {"orders", "refunds"}, groupId = "g")
    void onOrder(String m) {}
    void send() { rabbitTemplate.convertAndSend("shop", "order.shipped", m); kafkaTemplate.send("audit", m); }
}
'''
    assert {(k, c) for k, c, _ in flows(text)} == {
        ("consume", "shipping"), ("consume", "orders"), ("consume", "refunds"),
        ("publish", "order.shipped"), ("publish", "audit")}


def test_php_amqplib():
    text = '''<?php
use PhpAmqpLib\\Connection\\AMQPStreamConnection;
$channel->basic_publish($msg, '', 'invoices');
$channel->basic_consume('invoices', '', false, true, false, false, $callback);
'''
    assert {(k, c) for k, c, _ in flows(text)} == {("publish", "invoices"), ("consume", "invoices")}


def test_no_broker_library_no_flows():
    # a browser script or an RxJS stream has `.subscribe(` and `.publish(` but no broker client
    text = "import { Subject } from 'rxjs';\nsubject.subscribe('x');\nbus.publish('a', 'b');\n"
    assert flows(text) == set()


def test_names_built_at_run_time_are_not_guessed():
    text = 'import "github.com/streadway/amqp"\nch.Consume(queueName, "", true, false, false, false, nil)\n'
    assert flows(text) == set()


def test_source_files_are_analysed_not_skipped():
    facts = extract_bytes("svc/main.go", "source", b'import "github.com/streadway/amqp"\nch.Consume("q", "")\n')
    assert not facts.skipped and not facts.errors
    assert [(c.kind, c.channel) for c in facts.messages] == [("consume", "q")]
    assert facts.messages[0].library == "amqp"


def test_names_bound_in_the_file_to_a_literal_or_an_env_default():
    csharp = '''using Confluent.Kafka;
class Consumer {
    private static readonly string TopicName = Environment.GetEnvironmentVariable("KAFKA_TOPIC") ?? "orders";
    void Run() { _consumer.Subscribe(TopicName); }
}
'''
    assert {(k, c) for k, c, _ in flows(csharp)} == {("consume", "orders")}
    kotlin = '''import org.apache.kafka.clients.consumer.KafkaConsumer
val topic: String = System.getenv("KAFKA_TOPIC") ?: "orders"
fun main() { consumer.apply { subscribe(listOf(topic)) } }
'''
    assert {(k, c) for k, c, _ in flows(kotlin)} == {("consume", "orders")}
    go = 'import "github.com/IBM/sarama"\nconst topic = "payments"\nmsg := &sarama.ProducerMessage{Topic: topic}\n'
    assert {(k, c) for k, c, _ in flows(go)} == {("publish", "payments")}
