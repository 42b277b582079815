"""Real mail servers for tests: Dovecot (IMAP, LMTP) and Postfix (SMTP) from Debian, on 127.0.0.1.

`start_mail_servers()` writes a config for each into a short temp dir (Unix socket paths must stay
under ~100 bytes), starts both as root on free ports and returns a `MailServers`. The fixture
`mail_servers` (below, imported by tests/conftest.py) starts one pair per test session and gives
each test empty mailboxes. Postfix accepts mail for the
virtual domain `switchboard.test` and hands it to Dovecot over LMTP, so a mail sent with SMTP
becomes readable over IMAP as with a real provider. Both servers speak TLS with a self-signed
certificate made at start (`ca_file` verifies it): IMAPS and SMTPS on their own ports, STARTTLS on
the plain ones.

Tests use the helpers like a mail program: `send_mail` submits over SMTP, `read_mailbox` reads a
mailbox over IMAP (stdlib smtplib/imaplib in a thread, independent of the code under test).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import imaplib
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.mailserver_configs import DOVECOT_CONF, MASTER_CF, POSTFIX_MAIN_CF

DOMAIN = "switchboard.test"
SUPPORT = f"support@{DOMAIN}"
ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"
PASSWORDS = {SUPPORT: "support-secret", ALICE: "alice-secret", BOB: "bob-secret"}
# Postfix answers mail to this address with a temporary failure (451) and to REJECTED with 550,
# so the SMTP sender's error paths meet a real server's answers.
TEMPFAIL = f"tempfail@{DOMAIN}"
REJECTED = f"rejected@{DOMAIN}"
# Dovecot refuses to deliver as root; the mail files belong to this numeric uid/gid.
MAIL_UID = 5000
BINARIES = ("/usr/sbin/dovecot", "/usr/sbin/postfix", "/usr/bin/openssl")


def missing_reason() -> str | None:
    """Why the servers cannot run here (None when they can): the tests skip with this reason."""
    absent = [path for path in BINARIES if not os.path.exists(path)]
    if absent:
        return f"mail servers not installed ({', '.join(absent)}); scripts/test installs them"
    if os.geteuid() != 0:
        return "Dovecot and Postfix need root to start (scripts/test runs as root in CI)"
    return None


@dataclass
class MailServers:
    """A running Dovecot + Postfix pair. Ports are on `host`; `ca_file` trusts their certificate."""

    root: Path
    host: str
    imap_port: int
    imaps_port: int
    lmtp_port: int
    smtp_port: int
    smtps_port: int
    auth_port: int
    ca_file: Path
    timings: dict[str, float] = field(default_factory=dict)
    _dovecot: subprocess.Popen[bytes] | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that verifies the servers' self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    # --- Dovecot lifecycle (tests restart it to cut every open connection) ---

    @property
    def dovecot_stopped(self) -> bool:
        return self._dovecot is None

    def start_dovecot(self) -> None:
        started = time.monotonic()
        log = open(self.root / "dovecot.out", "ab")  # noqa: SIM115 - the child keeps it open
        self._dovecot = subprocess.Popen(
            ["/usr/sbin/dovecot", "-F", "-c", str(self.root / "dovecot.conf")],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        _wait_for_greeting(self.host, self.imap_port, b"* OK", self.root / "dovecot.log")
        self.timings["dovecot_start"] = time.monotonic() - started

    def stop_dovecot(self) -> None:
        """Stop Dovecot at once: its children too, so open IMAP sessions (IDLE) drop now, not ~10 s later."""
        process, self._dovecot = self._dovecot, None
        if process is None:
            return
        for pid in [process.pid, *_children(process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=10)
        # The login/imap children were killed above; reap nothing else, just wait for the port.
        _wait_closed(self.host, self.imap_port)

    def restart_dovecot(self) -> None:
        self.stop_dovecot()
        self.start_dovecot()

    # --- Postfix ---

    def start_postfix(self) -> None:
        started = time.monotonic()
        _run(["/usr/sbin/postfix", "-c", str(self.root / "postfix"), "start"], self.root / "postfix.out")
        _wait_for_greeting(self.host, self.smtp_port, b"220", self.root / "postfix.log")
        self.timings["postfix_start"] = time.monotonic() - started

    def stop_postfix(self) -> None:
        _run(["/usr/sbin/postfix", "-c", str(self.root / "postfix"), "stop"], self.root / "postfix.out", check=False)

    def stop(self) -> None:
        self.stop_postfix()
        self.stop_dovecot()
        shutil.rmtree(self.root, ignore_errors=True)

    # --- What a mail program does ---

    def _submit(
        self, message: EmailMessage | bytes, sender: str | None, to: list[str] | None, login: str | None
    ) -> None:
        if login is not None:
            with smtplib.SMTP_SSL(self.host, self.smtps_port, context=self.ssl_context(), timeout=10) as client:
                client.login(login, PASSWORDS[login])
                _send(client, message, sender, to)
        else:
            with smtplib.SMTP(self.host, self.smtp_port, timeout=10) as client:
                _send(client, message, sender, to)

    def read_mailbox_sync(self, user: str, *, folder: str = "INBOX") -> list[EmailMessage]:
        """Every mail in the user's folder, oldest first, parsed; read-only (flags stay as they are)."""
        with self.imap(user) as client:
            _ok(client.select(folder, readonly=True))
            typ, data = client.uid("SEARCH", "ALL")
            _ok((typ, data))
            uids = data[0].split() if data and data[0] else []
            messages = []
            for uid in uids:
                typ, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
                _ok((typ, fetched))
                raw = next(part[1] for part in fetched if isinstance(part, tuple))
                # IMAP sends CRLF; parsed as-is, every text part would end its lines with "\r\n".
                parsed = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
                assert isinstance(parsed, EmailMessage)
                messages.append(parsed)
            return messages

    def flags_sync(self, user: str, *, folder: str = "INBOX") -> dict[int, set[str]]:
        """UID -> flags of every mail in the folder."""
        with self.imap(user) as client:
            _ok(client.select(folder, readonly=True))
            typ, data = client.uid("FETCH", "1:*", "(FLAGS)")
            if typ != "OK" or not data or data[0] is None:
                return {}
            result: dict[int, set[str]] = {}
            for line in data:
                assert isinstance(line, bytes)
                flags = imaplib.ParseFlags(line)
                uid = int(line.split(b"UID ")[1].split()[0].rstrip(b")"))
                result[uid] = {flag.decode() for flag in flags}
            return result

    def append_sync(self, user: str, messages: list[bytes], *, folder: str = "INBOX") -> None:
        """Put mails straight into a folder over IMAP APPEND (fast; no SMTP round trip)."""
        with self.imap(user) as client:
            for raw in messages:
                _ok(client.append(folder, "", None, raw))

    def clear_mailboxes(self) -> None:
        """Empty every user's mailbox (all folders but INBOX are deleted) so each test starts clean."""
        for user in PASSWORDS:
            with self.imap(user) as client:
                typ, folders = client.list()
                for line in folders if typ == "OK" else []:
                    assert isinstance(line, bytes)
                    name = line.rsplit(b" ", 1)[-1].strip(b'"').decode()
                    if name != "INBOX":
                        client.delete(name)
                typ, exists = client.select("INBOX")
                _ok((typ, exists))
                if exists and exists[0] not in (b"0", None):
                    client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                    client.expunge()

    def imap(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.imap_port, timeout=10)
        client.login(user, PASSWORDS[user])
        return client

    async def send_mail(
        self,
        message: EmailMessage | bytes,
        *,
        sender: str | None = None,
        to: list[str] | None = None,
        login: str | None = None,
    ) -> None:
        """Submit one mail over SMTP; with `login`, over SMTPS with that user's password (as a mail program)."""
        await asyncio.to_thread(self._submit, message, sender, to, login)

    async def read_mailbox(self, user: str, *, folder: str = "INBOX") -> list[EmailMessage]:
        return await asyncio.to_thread(self.read_mailbox_sync, user, folder=folder)

    async def wait_for_mail(
        self,
        user: str,
        *,
        count: int = 1,
        timeout: float = 10.0,
        folder: str = "INBOX",
        match: Callable[[EmailMessage], bool] | None = None,
    ) -> list[EmailMessage]:
        """The user's mails (those `match` accepts) once there are at least `count`; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in await self.read_mailbox(user, folder=folder) if match is None or match(m)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{user} has {len(found)} matching mails after {timeout}s, expected {count}")
            await asyncio.sleep(0.1)


def start_mail_servers() -> MailServers:
    """Configure and start Dovecot + Postfix in a fresh temp dir; the caller stops them with `stop()`."""
    started = time.monotonic()
    # Short and under /tmp: Dovecot's and Postfix's Unix sockets live below it.
    root = Path(tempfile.mkdtemp(prefix="sbm", dir="/tmp"))
    root.chmod(0o755)
    ports = _free_ports(6)
    servers = MailServers(
        root=root,
        host="127.0.0.1",
        imap_port=ports[0],
        imaps_port=ports[1],
        lmtp_port=ports[2],
        smtp_port=ports[3],
        smtps_port=ports[4],
        auth_port=ports[5],
        ca_file=root / "cert.pem",
    )
    _make_certificate(root)
    _write_dovecot(servers)
    _write_postfix(servers)
    servers.timings["configure"] = time.monotonic() - started
    try:
        servers.start_dovecot()
        servers.start_postfix()
    except BaseException:
        servers.stop()
        raise
    servers.timings["total_start"] = time.monotonic() - started
    return servers


def _make_certificate(root: Path) -> None:
    _run(
        [
            "/usr/bin/openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(root / "key.pem"),
            "-out",
            str(root / "cert.pem"),
        ],
        root / "openssl.out",
    )
    (root / "key.pem").chmod(0o644)  # Postfix's smtpd reads it after dropping root


def _write_dovecot(servers: MailServers) -> None:
    root = servers.root
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    os.chown(root / "mail", MAIL_UID, MAIL_UID)
    (root / "users").write_text("".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in PASSWORDS.items()))
    (root / "dovecot.conf").write_text(
        DOVECOT_CONF.format(
            root=root,
            uid=MAIL_UID,
            imap_port=servers.imap_port,
            imaps_port=servers.imaps_port,
            lmtp_port=servers.lmtp_port,
            auth_port=servers.auth_port,
        )
    )


def _write_postfix(servers: MailServers) -> None:
    root = servers.root
    config = root / "postfix"
    config.mkdir()
    for name in ("queue", "data"):
        (root / name).mkdir()
    os.chown(root / "data", _uid("postfix"), 0)
    (config / "main.cf").write_text(POSTFIX_MAIN_CF.format(root=root, servers=servers, domain=DOMAIN))
    (config / "master.cf").write_text(MASTER_CF.format(servers=servers))
    (config / "mailboxes").write_text(
        "".join(f"{user} {user}\n" for user in PASSWORDS) + f"{TEMPFAIL} x\n{REJECTED} x\n"
    )
    (config / "access").write_text(
        f"{TEMPFAIL} 451 4.3.0 Mailbox temporarily unavailable, try again later\n"
        f"{REJECTED} 550 5.1.1 Mailbox does not accept mail\n"
    )
    # Postfix ignores config files younger than ~1 s (it waits for them to settle): backdate them.
    past = time.time() - 60
    for path in config.iterdir():
        os.utime(path, (past, past))


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _run(command: list[str], output: Path, *, check: bool = True) -> None:
    with open(output, "ab") as log:
        # Output to a file: both servers' daemons inherit it, and a pipe would keep the caller waiting.
        result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({result.returncode}); see {output}:\n{output.read_text()[-2000:]}")


def _wait_for_greeting(host: str, port: int, greeting: bytes, log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=2) as sock:
                if sock.recv(100).startswith(greeting):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            tail = log.read_text()[-2000:] if log.exists() else "(no log)"
            raise RuntimeError(f"no {greeting!r} on {host}:{port} after {timeout}s; {log}:\n{tail}")
        time.sleep(0.02)


def _wait_closed(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
        except OSError:
            return
        time.sleep(0.02)


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc), so a stop reaches Dovecot's login and imap processes."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the parent pid follows the last ')'.
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found.extend(kids)
        frontier.extend(kids)
    return found


def _send(client: smtplib.SMTP, message: EmailMessage | bytes, sender: str | None, to: list[str] | None) -> None:
    if isinstance(message, EmailMessage):
        client.send_message(message, from_addr=sender, to_addrs=to)
    else:
        if sender is None or to is None:
            raise ValueError("raw bytes need an explicit sender and recipients")
        client.sendmail(sender, to, message)


def _ok(response: tuple[str, Sequence[object]]) -> None:
    if response[0] != "OK":
        raise AssertionError(f"IMAP answered {response}")


@pytest.fixture(scope="session")
def mail_server_processes() -> Iterator[MailServers]:
    """Dovecot + Postfix for the whole session (started once: ~0.5 s); skips when they cannot run here."""
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    servers = start_mail_servers()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def mail_servers(mail_server_processes: MailServers) -> MailServers:
    """The session's mail servers with every mailbox empty and Dovecot running (a test may stop it)."""
    if mail_server_processes.dovecot_stopped:
        mail_server_processes.start_dovecot()
    mail_server_processes.clear_mailboxes()
    return mail_server_processes
