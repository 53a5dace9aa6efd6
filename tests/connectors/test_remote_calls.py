"""The built-in connectors' HTTP calls (:mod:`lrs.plugin.remote`) against remote
servers that misbehave on purpose, over real sockets on 127.0.0.1.

Most servers here are raw socket loops (:func:`tests.connectors.loopback.raw_server`),
since what is tested is how an answer arrives: a byte at a time, without end,
compressed a thousandfold, redirected to another site, or not in HTTP at all.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time

import pytest

from lrs.plugin.remote import RemoteError, Sessions, call, json_answer, quoted
from tests.connectors.loopback import Answer, Reply, raw_server, serve


def drip(head: bytes, then: bytes) -> Answer:
    """Send ``head``, then ``then`` a byte every tenth of a second."""
    def answer(connection: socket.socket, _: bytes) -> None:
        connection.sendall(head)
        for byte in then:
            connection.sendall(bytes([byte]))
            time.sleep(0.1)
    return answer


def timed_call(url: str, **kwargs: object) -> tuple[str, float]:
    """The message :func:`call` fails with, and how long it took."""
    started = time.monotonic()
    with pytest.raises(RemoteError) as failed:
        call("GET", url, what="the report", **kwargs)  # type: ignore[arg-type]
    return str(failed.value), time.monotonic() - started


@pytest.mark.parametrize(
    ("head", "then"),
    [
        (b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X: y\r\n" * 100),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", b"[" + b" " * 999),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", b"[" + b" " * 999),
    ],
    ids=["headers", "body", "body-without-length"],
)
def test_an_answer_dripping_in_fails_within_the_timeout(head: bytes, then: bytes) -> None:
    """``timeout`` is the whole call's, as the connectors' settings say ("how long to
    wait for the report"): a byte now and then used to hold the run for good."""
    with raw_server(drip(head, then)) as url:
        message, took = timed_call(f"{url}/report?key=secret", timeout=1)

    assert took < 3
    assert "within 1 s" in message
    assert f"{url}/report" in message and "secret" not in message


def test_a_shorter_deadline_set_later_still_ends_its_call_first() -> None:
    """The deadlines of calls under way in several threads are kept in order: one
    watchdog thread sleeping towards the first deadline set would miss a shorter one
    set after it."""
    long_call: dict[str, float] = {}

    def slow_call(url: str) -> None:
        long_call["took"] = timed_call(url, timeout=4)[1]

    with raw_server(drip(b"", b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 100)) as url:
        other = threading.Thread(target=slow_call, args=(f"{url}/long",))
        other.start()
        time.sleep(0.3)  # the long call's deadline is set first
        message, took = timed_call(f"{url}/short", timeout=1)
        other.join()

    assert "within 1 s" in message and took < 2.5
    assert 3.5 < long_call["took"] < 6


def test_calls_share_one_watchdog_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A webhook delivering a thousand events made a thousand calls, each starting a
    timer thread of its own."""
    with serve(lambda request: Reply(body=b"[]")) as remote:
        caller, started = threading.current_thread(), []
        start = threading.Thread.start

        def counted(thread: threading.Thread) -> None:
            if threading.current_thread() is caller:
                started.append(thread.name)
            start(thread)

        monkeypatch.setattr(threading.Thread, "start", counted)
        sessions = Sessions("test")
        for _ in range(20):
            call("POST", f"{remote.url}/hook", what="the webhook", timeout=5,
                 session=sessions.get())
        sessions.close()

    assert started in ([], ["remote-call-deadlines"])  # started by an earlier test, or now


def test_an_answer_without_end_is_refused_past_the_limit() -> None:
    def endless(connection: socket.socket, _: bytes) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        while True:
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    with raw_server(endless) as url:
        message, _ = timed_call(f"{url}/report", timeout=10, max_bytes=1_000_000)

    assert message == f"the report: {url}/report sent an answer larger than 1000000 bytes"


def test_a_compressed_answer_is_limited_as_inflated() -> None:
    bomb = gzip.compress(b" " * 5_000_000)  # about 5 KB on the wire

    def inflating(connection: socket.socket, _: bytes) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                           + f"Content-Length: {len(bomb)}\r\n\r\n".encode() + bomb)

    with raw_server(inflating) as url:
        message, _ = timed_call(f"{url}/report", timeout=10, max_bytes=1_000_000)
        whole = call("GET", f"{url}/report", what="the report", timeout=10)

    assert len(bomb) < 10_000
    assert "larger than 1000000 bytes" in message
    assert whole.content == b" " * 5_000_000


def test_a_redirect_to_another_site_is_refused_and_gets_no_credentials() -> None:
    with serve(lambda request: Reply(body=b"[]")) as elsewhere, serve(
        lambda request: Reply(302, headers={"Location": f"{elsewhere.url}/report"})
    ) as remote:
        sessions = Sessions("test", {"X-Api-Key": "s3cret"})
        with pytest.raises(RemoteError) as refused:
            call("GET", f"{remote.url}/report", what="the report", timeout=5,
                 session=sessions.get())
        sessions.close()

    assert str(refused.value).startswith(f"the report: {remote.url}/report redirected to "
                                         f"another site ({elsewhere.url}/report)")
    assert remote.requests[0].headers.get("x-api-key") == "s3cret"
    assert elsewhere.requests == []


def test_a_redirect_within_the_site_is_followed_with_the_credentials() -> None:
    def answer(request: object) -> Reply:
        if request.path == "/old":  # type: ignore[attr-defined]
            return Reply(301, headers={"Location": "/new"})
        return Reply(body=b"[1]")

    with serve(answer) as remote:
        sessions = Sessions("test", {"X-Api-Key": "s3cret"})
        response = call("GET", f"{remote.url}/old", what="the report", timeout=5,
                        session=sessions.get())
        sessions.close()

    assert response.json() == [1]
    assert [(r.path, r.headers.get("x-api-key")) for r in remote.requests] == [
        ("/old", "s3cret"), ("/new", "s3cret")]


def test_a_redirect_whose_body_never_ends_is_followed_without_reading_it() -> None:
    """requests reads a redirect's body whole before following it: one without end
    filled the memory before the call's limits applied."""
    def answer(connection: socket.socket, head: bytes) -> None:
        if head.startswith(b"GET /moved "):
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
            return
        connection.sendall(b"HTTP/1.1 302 Found\r\nLocation: /moved\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n")
        while True:
            connection.sendall(b"10000\r\n" + b"x" * 65536 + b"\r\n")

    with raw_server(answer) as url:
        started = time.monotonic()
        response = call("GET", f"{url}/report", what="the report", timeout=10)

    assert response.json() == []
    assert time.monotonic() - started < 5


def test_a_call_of_its_own_goes_through_the_environments_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HRIS and Moodle pulls (no session) honour ``HTTP(S)_PROXY``, as before; the
    proxy here is a server that answers for the site itself."""
    with serve(lambda request: Reply(body=b'["via the proxy"]')) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        response = call("GET", "http://hris.example.com/report", what="the report",
                        timeout=5)

    assert response.json() == ["via the proxy"]
    assert proxy.requests[0].headers["host"] == "hris.example.com"


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n", "answered with something that is not HTTP (it began "
         "'SSH-2.0-OpenSSH_9.6\\r\\n'): are the URL's scheme (http or https) and port those "
         "of its web server?"),
        (b"\x15\x03\x01\x00\x02\x02\x50", "answered with something that is not HTTP (it began "
         "'\\x15\\x03\\x01\\x00\\x02\\x02P'): are the URL's scheme (http or https) and port "
         "those of its web server?"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n",
         "answered with an HTTP head that cannot be read (got more than 100 headers)"),
        (b"", "closed the connection without answering"),
    ],
    ids=["ssh", "tls-alert", "headers", "nothing"],
)
def test_an_answer_that_is_not_http_is_named_as_such(sent: bytes, said: str) -> None:
    """A server answering, but not in HTTP, read "cannot reach ... (ConnectionError)":
    the fix (another port, https) was not to be guessed from that."""
    with raw_server(lambda connection, _: connection.sendall(sent)) as url:
        message, _ = timed_call(f"{url}/report?key=secret", timeout=5)

    assert message == f"the report: {url}/report {said}"


def test_a_redirect_loop_names_where_it_last_led() -> None:
    def onwards(request: object) -> Reply:
        step = int(request.path.strip("/"))  # type: ignore[attr-defined]
        return Reply(302, headers={"Location": f"/{step + 1}?token=secret"})

    with serve(onwards) as remote:
        message, _ = timed_call(f"{remote.url}/0", timeout=10)

    assert message == (f"the report: {remote.url}/0 redirected more than 30 times (last to "
                       f"{remote.url}/31): a redirect loop? Set the URL to where the "
                       "redirects should end")


def test_a_remote_systems_text_is_quoted_escaped_and_bounded() -> None:
    """What every connector's messages show of a remote system's text."""
    assert quoted("Zugriff verweigert: ü, 日本") == "Zugriff verweigert: ü, 日本"
    assert quoted("a\x00b\x1b[2J\r\nc\u202ed\ud800") == "a\\x00b\\x1b[2J\\r\\nc\\u202ed\\ud800"
    assert quoted("x" * 10_000_000) == "x" * 199 + "…"
    assert quoted("abcd\x00", 5) == "abcd…"  # an escape is never cut in half
    assert quoted("abcde", 5) == "abcde"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"[" * 200_000, "nested too deep to read"),
        (b'{"n": NaN}', "NaN is not a JSON number"),
        (b"[" + b"9" * 5000 + b"]", "Exceeds the limit (4300 digits)"),
        (b"<html>\x1b[2J</html>", "Expecting value: line 1 column 1 (char 0)"),
    ],
    ids=["deep", "nan", "digits", "html"],
)
def test_an_answer_that_is_not_readable_json_is_named_as_such(body: bytes, said: str) -> None:
    """``json_answer`` is how a connector reads a JSON answer: never a ``RecursionError``
    or ``ValueError`` naming no call."""
    with serve(lambda _: Reply(body=body)) as remote:
        response = call("GET", f"{remote.url}/api?key=secret", what="the report", timeout=5)
    with pytest.raises(RemoteError) as failed:
        json_answer(response, "the report")

    message = str(failed.value)
    assert message.startswith(f"the report: the answer of {remote.url}/api is not valid JSON (")
    assert said in message and "secret" not in message


def test_a_json_answer_is_read_in_any_encoding_json_allows() -> None:
    with serve(lambda _: Reply(body='{"ü": [1.5]}'.encode("utf-16"))) as remote:
        assert json_answer(call("GET", remote.url, what="x", timeout=5), "x") == {"ü": [1.5]}
