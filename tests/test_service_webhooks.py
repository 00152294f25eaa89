"""Standard Webhooks signing, delivery to a real local receiver, and retry scheduling."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from service.queue import WEBHOOK_BACKOFF_S, HueyQueue
from service.settings import Settings
from service.webhooks import client_secret, deliver, pinned_request, server_key, sign
from tests.test_service_support import make_settings


class Receiver(BaseHTTPRequestHandler):
    """Records each POST; answers with the class's next status code."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    statuses: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(self.statuses.pop(0) if self.statuses else 204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received, Receiver.statuses = [], []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def delivery(url: str) -> dict[str, Any]:
    body = {"type": "analysis.succeeded", "data": {"id": "an_1", "status": "succeeded"}}
    return {"url": url, "client": "alice", "id": "msg_an_1_succeeded", "body": json.dumps(body)}


def test_signature_matches_the_standard_webhooks_test_vector() -> None:
    # The vector published with the Standard Webhooks reference libraries.
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        '{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_secrets_are_per_client_explicit_ones_win(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, webhook_secrets={"bob": "whsec_Ym9i"})
    alice = client_secret(settings, "alice")
    assert alice.startswith("whsec_") and alice == client_secret(settings, "alice")
    assert client_secret(settings, "carol") != alice
    assert client_secret(settings, "bob") == "whsec_Ym9i"


def test_without_a_secret_key_one_is_kept_in_the_data_dir(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, secret_key="")
    key = server_key(settings)
    assert len(key) >= 32 and server_key(settings) == key
    assert (settings.data_dir / "secret.key").stat().st_mode & 0o777 == 0o600


def test_delivery_is_signed_for_the_receiver(settings: Settings, receiver: str) -> None:
    assert deliver(settings, delivery(receiver))
    [(headers, body)] = Receiver.received
    assert headers["webhook-id"] == "msg_an_1_succeeded"
    assert headers["content-type"] == "application/json"
    expected = sign(
        client_secret(settings, "alice"),
        headers["webhook-id"],
        int(headers["webhook-timestamp"]),
        body.decode(),
    )
    assert headers["webhook-signature"] == expected
    assert json.loads(body)["data"]["id"] == "an_1"


@pytest.mark.parametrize("status", [500, 404, 301])
def test_a_non_2xx_answer_is_a_failed_delivery(
    settings: Settings, receiver: str, status: int
) -> None:
    Receiver.statuses = [status]
    assert not deliver(settings, delivery(receiver))


def test_private_addresses_are_refused_for_good(tmp_path: Path, receiver: str) -> None:
    settings = make_settings(tmp_path, webhook_allow_private=False)
    assert deliver(settings, delivery(receiver))  # done: not to be retried
    assert Receiver.received == []


def test_an_unreachable_receiver_is_a_failed_delivery(settings: Settings) -> None:
    assert not deliver(settings, delivery("http://127.0.0.1:9/hook"))


class FailingRunner:
    def __init__(self) -> None:
        self.attempts: list[int] = []

    def analyze(self, analysis_id: str) -> None:
        raise AssertionError("not expected")

    def deliver(self, delivery: dict[str, Any], attempt: int) -> bool:
        self.attempts.append(attempt)
        return False


def test_failed_deliveries_are_rescheduled_with_backoff_then_dropped(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, webhook_retries=2)
    runner = FailingRunner()
    queue = HueyQueue(settings, runner)
    queue.enqueue_webhook(delivery("http://127.0.0.1:9/hook"))
    task = queue.huey.dequeue()
    queue.huey.execute(task)  # the task function, as the consumer would run it
    [retry] = queue.huey.pending()  # the consumer moves it to its schedule when dequeued
    assert retry.args[1] == 1 and runner.attempts == [0]
    assert retry.eta - queue.huey._get_timestamp() > timedelta(seconds=WEBHOOK_BACKOFF_S[0] - 1)
    assert queue.retry_webhook(delivery("x"), 1)
    assert not queue.retry_webhook(delivery("x"), 2)  # retries used up


class ChangingResolver:
    """A DNS stand-in whose answer changes between lookups, as a rebinding attacker's does."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        self.lookups.append(host)
        answer = self.answers[min(len(self.lookups), len(self.answers)) - 1]
        family = socket.AF_INET6 if ":" in answer else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (answer, port))]


def recording_client(seen: list[httpx.Request]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_a_name_that_rebinds_after_vetting_is_reached_at_the_vetted_address(
    tmp_path: Path,
) -> None:
    # Public to the first lookup, loopback to any later one: the connection must use the first.
    resolver = ChangingResolver("93.184.215.14", "127.0.0.1")
    settings = make_settings(tmp_path, webhook_allow_private=False)
    seen: list[httpx.Request] = []
    hook = delivery("https://hooks.example.com/cuewatch")
    assert deliver(settings, hook, recording_client(seen), resolver)
    [request] = seen
    assert resolver.lookups == ["hooks.example.com"]  # resolved once
    assert request.url.host == "93.184.215.14" and request.url.path == "/cuewatch"
    assert request.headers["host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"  # TLS name kept


def test_a_name_that_answers_private_first_is_never_contacted(tmp_path: Path) -> None:
    resolver = ChangingResolver("10.0.0.7", "93.184.215.14")
    settings = make_settings(tmp_path, webhook_allow_private=False)
    seen: list[httpx.Request] = []
    assert deliver(
        settings, delivery("https://hooks.example.com/x"), recording_client(seen), resolver
    )
    assert seen == [] and resolver.lookups == ["hooks.example.com"]


@pytest.mark.parametrize(
    "answers",
    [
        ["93.184.215.14", "127.0.0.1"],  # one public, one loopback address in the same answer
        ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "fd00::1"],  # IPv6 with a unique-local one
        ["169.254.169.254"],  # the cloud metadata address
    ],
)
def test_every_address_of_the_answer_is_vetted(tmp_path: Path, answers: list[str]) -> None:
    def resolver(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]

    settings = make_settings(tmp_path, webhook_allow_private=False)
    seen: list[httpx.Request] = []
    assert deliver(
        settings, delivery("https://hooks.example.com/x"), recording_client(seen), resolver
    )
    assert seen == []


def test_a_name_is_delivered_to_its_resolved_address_with_its_host_header(
    settings: Settings, receiver: str
) -> None:
    # A real connection: the name exists only in the stub, so only the pinned address works.
    port = httpx.URL(receiver).port
    resolver = ChangingResolver("127.0.0.1", "192.0.2.1")
    assert deliver(settings, delivery(f"http://hook.invalid:{port}/hook"), resolver=resolver)
    [(headers, _)] = Receiver.received
    assert headers["host"] == f"hook.invalid:{port}" and resolver.lookups == ["hook.invalid"]


def test_a_name_that_does_not_resolve_is_retried_later(settings: Settings) -> None:
    def resolver(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert not deliver(settings, delivery("https://nowhere.invalid/x"), resolver=resolver)


@pytest.mark.parametrize(
    ("url", "address", "expected", "host"),
    [
        # An IPv6 address goes into the URL in brackets; the port stays in the Host header.
        (
            "https://hooks.example.com:8443/x?a=1",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/x?a=1",
            "hooks.example.com:8443",
        ),
        # The default port is left out of both, as a client would.
        ("http://h.example/x", "192.0.2.7", "http://192.0.2.7/x", "h.example"),
    ],
)
def test_the_pinned_request_keeps_the_name(
    url: str, address: str, expected: str, host: str
) -> None:
    target, headers, extensions = pinned_request(httpx.URL(url), address)
    assert (str(target), headers, extensions) == (
        expected,
        {"host": host},
        {"sni_hostname": httpx.URL(url).host},
    )


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An HTTPS receiver whose certificate names only `hook.test`, and a context trusting it."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    done = subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=hook.test", "-addext", "subjectAltName=DNS:hook.test"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("openssl cannot make a test certificate here")
    Receiver.received, Receiver.statuses = [], []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    server.socket = served.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1], ssl.create_default_context(cafile=str(cert))
    server.shutdown()
    server.server_close()


def test_tls_to_the_pinned_address_checks_the_certificate_against_the_name(
    settings: Settings, tls_receiver: tuple[int, ssl.SSLContext]
) -> None:
    # Connected to 127.0.0.1, the certificate for hook.test is accepted only if the TLS
    # server name (and the name checked) is still hook.test.
    port, trust = tls_receiver
    resolver = ChangingResolver("127.0.0.1")
    with httpx.Client(verify=trust) as client:
        assert deliver(settings, delivery(f"https://hook.test:{port}/hook"), client, resolver)
    [(headers, _)] = Receiver.received
    assert headers["host"] == f"hook.test:{port}"
