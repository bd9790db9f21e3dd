"""200 members across two API processes race for the 20 spots of one class: exactly 20
confirm, the rest get 409 `class_session_full` and a waitlist place in arrival order. A
negative control runs the same race with the database's capacity CHECK dropped and shows
that the race overbooks then, so a pass above means the guard held, not that nobody raced.

Everything goes over HTTP to two real `fitflow serve` processes on loopback, sharing the
test database (real commits, emptied by truncation afterwards) and, when configured, Redis.
"""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest

from fitflow.auth import service as auth
from fitflow.auth.runtime import AuthRuntime
from fitflow.config import Settings
from fitflow.kit.db import Database, libpq_url
from fitflow.members import service as members
from tests.conftest import truncate_all
from tests.factories import PASSWORD, TEN_PACK, YOGA
from tests.live import free_port

MEMBERS = 200
CAPACITY = 20
CREDIT_UNITS = 100
"""What one Yoga class costs (one credit); a ten-pack grants ten of them."""
PACK_UNITS = 10 * CREDIT_UNITS
SETUP_CONCURRENCY = 16
START_TIMEOUT_SECONDS = 30
GUARD = "ck_class_sessions_taken_within_capacity"
SERVE = [sys.executable, "-c", "from fitflow.cli import main; main()", "serve"]
"""`fitflow serve`, run by this test's interpreter."""
T = TypeVar("T")


# --- two API processes --------------------------------------------------------------


def _server_environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """Test-friendly settings for `fitflow serve`: cheap password hashing, login and
    registration limits that logins from one address do not hit, no job worker, and a
    long wait for a pooled connection (each process queues 100 requests for its 8
    connections while refusals and waitlist joins queue for the class's spot lock; on a
    busy machine that takes longer than the default 10 s), and keep-alive connections
    that stay open while they wait for the waitlist request (a connection the server
    closes just as the client reuses it fails the request). FITFLOW_REDIS_URL passes
    through when set, so both processes share the hold limits as production's would."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FITFLOW_")}
    configured = {
        "FITFLOW_ENV": "testing",
        "FITFLOW_SECRET_KEY": os.environ["FITFLOW_SECRET_KEY"],
        "FITFLOW_DATABASE_URL": database_url,
        "FITFLOW_DATA_DIR": str(data_dir),
        "FITFLOW_JOBS__IN_PROCESS": "false",
        "FITFLOW_LOG__LEVEL": "WARNING",
        "FITFLOW_DATABASE__POOL_TIMEOUT_SECONDS": "60",
        "FITFLOW_SERVER__KEEP_ALIVE_SECONDS": "120",
        "FITFLOW_AUTH__ARGON2_TIME_COST": "1",
        "FITFLOW_AUTH__ARGON2_MEMORY_KIB": "1024",
        "FITFLOW_AUTH__ARGON2_PARALLELISM": "1",
        "FITFLOW_RATE_LIMITS__LOGIN": "100000/minute",
        "FITFLOW_RATE_LIMITS__REGISTRATION": "100000/minute",
    }
    if os.environ.get("FITFLOW_REDIS_URL"):
        configured["FITFLOW_REDIS_URL"] = os.environ["FITFLOW_REDIS_URL"]
    return {**inherited, **configured}


@dataclass
class ApiProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:]


@contextmanager
def api_process(database_url: str, directory: Path) -> Iterator[ApiProcess]:
    """`fitflow serve` in a process of its own until the block ends."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
            [*SERVE, "--host", "127.0.0.1", "--port", str(port)],
            env=_server_environment(database_url, directory),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = ApiProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=START_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(server: ApiProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the API process did not start:\n{server.log_tail()}")


@pytest.fixture(scope="module")
def api_processes(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiProcess, ApiProcess]]:
    """Two API processes on the test database, as two hosts behind a load balancer."""
    root = tmp_path_factory.mktemp("api")
    with ExitStack() as stack:
        first = stack.enter_context(api_process(database_url, root / "a"))
        second = stack.enter_context(api_process(database_url, root / "b"))
        wait_until_ready(first)
        wait_until_ready(second)
        yield first, second


# --- the studio ---------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    member_id: str
    headers: dict[str, str]


@dataclass
class Floor:
    """One studio on two API processes: its owner, one class of CAPACITY spots three
    days ahead, and MEMBERS members who each bought a ten-class pack at the desk."""

    clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
    slug: str
    owner: dict[str, str]
    session_id: str
    members: list[Member]

    @property
    def base(self) -> str:
        return f"/api/v1/orgs/{self.slug}"

    def client_for(self, number: int) -> httpx.AsyncClient:
        """Half the members talk to each process."""
        return self.clients[number % 2]


async def bounded(limit: int, calls: list[Callable[[], Awaitable[T]]]) -> list[T]:
    semaphore = asyncio.Semaphore(limit)

    async def run(call: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await call()

    return list(await asyncio.gather(*(run(call) for call in calls)))


async def created(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    answer = await response
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, Any] = answer.json()
    return body


async def sign_up(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    """Register through the API and log in; the bearer headers."""
    email = f"{name}-{uuid.uuid4().hex[:10]}@example.com"
    await created(
        client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": PASSWORD, "full_name": name},
        )
    )
    tokens = await created(
        client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    )
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def open_studio(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database, settings: Settings
) -> Floor:
    """The owner, studio, class and plan through the API; the members' accounts through
    the auth and member services (one transaction, the API would run the same code);
    every pack sold at the desk through the API, half on each process."""
    client = clients[0]
    owner = await sign_up(client, "owner")
    slug = f"race-{uuid.uuid4().hex[:8]}"
    body = {"name": "Race Studio", "slug": slug, "timezone": "Europe/Berlin", "currency": "EUR"}
    studio = await created(client.post("/api/v1/orgs", headers=owner, json=body))
    base = f"/api/v1/orgs/{slug}"
    class_type = await created(client.post(f"{base}/class-types", headers=owner, json=YOGA))
    plan = await created(client.post(f"{base}/plans", headers=owner, json=TEN_PACK))
    starts_at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    session = await created(
        client.post(
            f"{base}/sessions",
            headers=owner,
            json={
                "class_type_id": class_type["id"],
                "starts_at": starts_at.isoformat(),
                "capacity": CAPACITY,
            },
        )
    )
    floor = Floor(clients, slug, owner, str(session["id"]), [])
    floor.members = await enrol(database, settings, uuid.UUID(str(studio["id"])))

    async def sell(number: int, member: Member) -> None:
        sale = {"member_id": member.member_id, "plan_id": plan["id"], "method": "cash"}
        await created(floor.client_for(number).post(f"{base}/orders", headers=owner, json=sale))

    await bounded(
        SETUP_CONCURRENCY,
        [functools.partial(sell, number, member) for number, member in enumerate(floor.members)],
    )
    return floor


async def enrol(database: Database, settings: Settings, organization_id: uuid.UUID) -> list[Member]:
    """MEMBERS people register, log in and join the studio, committed together."""
    runtime = AuthRuntime.from_settings(settings)
    enrolled = []
    async with database.sessions() as session:
        for number in range(MEMBERS):
            email = f"member{number}-{uuid.uuid4().hex[:10]}@example.com"
            user = await auth.register(
                session, runtime, email=email, password=PASSWORD, full_name=f"Member {number}"
            )
            tokens = await auth.login(session, runtime, email=email, password=PASSWORD)
            member = await members.join(session, user, organization_id)
            headers = {"Authorization": f"Bearer {tokens.access_token}"}
            enrolled.append(Member(str(member.id), headers))
        await session.commit()
    return enrolled


@asynccontextmanager
async def two_clients(
    servers: tuple[ApiProcess, ApiProcess],
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    limits = httpx.Limits(max_connections=MEMBERS, max_keepalive_connections=MEMBERS)
    timeout = httpx.Timeout(60.0)
    async with (
        httpx.AsyncClient(base_url=servers[0].base_url, limits=limits, timeout=timeout) as a,
        httpx.AsyncClient(base_url=servers[1].base_url, limits=limits, timeout=timeout) as b,
    ):
        yield a, b


@pytest.fixture
async def floor(
    api_processes: tuple[ApiProcess, ApiProcess],
    committed_database: Database,
    settings: Settings,
) -> AsyncIterator[Floor]:
    """The studio on both processes; `committed_database` empties every table after."""
    async with two_clients(api_processes) as clients:
        yield await open_studio(clients, committed_database, settings)


# --- the race -----------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    member: Member
    booking: httpx.Response
    waitlist: httpx.Response | None


def error_code(response: httpx.Response) -> str | None:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(code)


async def warm_up(floor: Floor) -> None:
    """Open the keep-alive connections the race will use, so all its requests leave
    together instead of queueing behind TCP handshakes."""
    per_client = MEMBERS // 2
    await asyncio.gather(
        *(client.get("/healthz") for client in floor.clients for _ in range(per_client))
    )


async def race(floor: Floor) -> list[Attempt]:
    """Every member books the class at the same moment, half through each process; a
    member told the class is full joins the waitlist at once."""
    start = asyncio.Event()

    async def attempt(number: int, member: Member) -> Attempt:
        client = floor.client_for(number)
        await start.wait()
        path = f"{floor.base}/sessions/{floor.session_id}"
        booking = await client.post(f"{path}/bookings", headers=member.headers)
        waitlist = None
        if booking.status_code == 409 and error_code(booking) == "class_session_full":
            waitlist = await client.post(f"{path}/waitlist", headers=member.headers)
        return Attempt(member, booking, waitlist)

    await warm_up(floor)
    tasks = [
        asyncio.create_task(attempt(number, member)) for number, member in enumerate(floor.members)
    ]
    await asyncio.sleep(0)  # every task is now waiting at the start line
    start.set()
    return list(await asyncio.gather(*tasks))


# --- what the database says ---------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    taken: int
    live: dict[str, str]
    """Member id -> booking id of every live spot (held, confirmed, ...) in the class."""
    confirmed: int
    charges: list[tuple[str, str, str, int | None]]
    """(source type, source id, method, credit units) of every charge in the studio."""
    lots: list[tuple[str, int, int, int]]
    """(member id, granted, remaining, sum of the lot's ledger entries) per credit lot."""
    consumed: dict[str, list[tuple[str, int]]]
    """Member id -> (source id, units) of their `consume` ledger entries."""
    waiting: list[tuple[str, int]]
    """(member id, rank by seq) of every open waitlist entry of the class."""


async def rows(
    connection: psycopg.AsyncConnection[Any], query: str, *params: object
) -> list[tuple[Any, ...]]:
    cursor = await connection.execute(query, params)
    return await cursor.fetchall()


async def read_ledger(database_url: str, session_id: str) -> Ledger:
    async with await psycopg.AsyncConnection.connect(libpq_url(database_url)) as connection:
        (taken,) = (
            await rows(connection, "SELECT taken FROM class_sessions WHERE id = %s", session_id)
        )[0]
        spots = await rows(
            connection,
            "SELECT member_id::text, id::text, status FROM bookings WHERE session_id = %s "
            "AND status IN ('held', 'confirmed', 'attended', 'no_show')",
            session_id,
        )
        charges = await rows(
            connection,
            "SELECT source_type, source_id, method, credit_units FROM entitlement_charges",
        )
        lots = await rows(
            connection,
            "SELECT l.member_id::text, l.granted_units, l.remaining_units, "
            "(SELECT coalesce(sum(e.units), 0) FROM credit_entries e WHERE e.lot_id = l.id) "
            "FROM credit_lots l",
        )
        consumed = await rows(
            connection,
            "SELECT member_id::text, source_id, units FROM credit_entries WHERE kind = 'consume'",
        )
        waiting = await rows(
            connection,
            "SELECT member_id::text, rank() OVER (ORDER BY seq) FROM waitlist_entries "
            "WHERE session_id = %s AND status = 'waiting'",
            session_id,
        )
    by_member: dict[str, list[tuple[str, int]]] = {}
    for member_id, source_id, units in consumed:
        by_member.setdefault(member_id, []).append((source_id, units))
    return Ledger(
        taken=taken,
        live={member_id: booking_id for member_id, booking_id, _ in spots},
        confirmed=sum(status == "confirmed" for _, _, status in spots),
        charges=[(t, s, m, u) for t, s, m, u in charges],
        lots=[(m, g, r, int(s)) for m, g, r, s in lots],
        consumed=by_member,
        waiting=[(m, int(rank)) for m, rank in waiting],
    )


def assert_capacity_held(attempts: list[Attempt], ledger: Ledger) -> None:
    """Exactly CAPACITY members got a spot, each paid once, and nobody else did."""
    statuses = Counter(attempt.booking.status_code for attempt in attempts)
    server_errors = [a.booking.text for a in attempts if a.booking.status_code >= 500]
    assert not server_errors, f"server errors: {server_errors[:3]}"
    assert statuses == {201: CAPACITY, 409: MEMBERS - CAPACITY}, statuses
    refusals = Counter(error_code(a.booking) for a in attempts if a.booking.status_code == 409)
    assert refusals == {"class_session_full": MEMBERS - CAPACITY}, refusals
    winners = {a.member.member_id for a in attempts if a.booking.status_code == 201}
    assert ledger.taken == CAPACITY
    assert len(ledger.live) == ledger.confirmed == CAPACITY
    assert set(ledger.live) == winners
    for attempt in attempts:
        if attempt.booking.status_code == 201:
            body = attempt.booking.json()
            assert body["status"] == "confirmed"
            assert body["id"] == ledger.live[attempt.member.member_id]
            assert body["paid_by"] == {
                "method": "credits",
                "membership_id": None,
                "credit_units": CREDIT_UNITS,
            }
    assert sorted(ledger.charges) == sorted(
        ("booking", booking_id, "credits", CREDIT_UNITS) for booking_id in ledger.live.values()
    )
    assert ledger.consumed == {
        member_id: [(booking_id, -CREDIT_UNITS)] for member_id, booking_id in ledger.live.items()
    }
    assert len(ledger.lots) == MEMBERS
    for member_id, granted, remaining, entries in ledger.lots:
        spent = CREDIT_UNITS if member_id in winners else 0
        left = PACK_UNITS - spent
        assert (granted, remaining, entries) == (PACK_UNITS, left, left), member_id


# --- guard off ----------------------------------------------------------------------


SLOW_SPOT = """
CREATE FUNCTION fitflow_test_slow_spot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.02);
    RETURN NULL;
END
$$;
CREATE TRIGGER zz_test_slow_spot AFTER INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION fitflow_test_slow_spot();
"""


@asynccontextmanager
async def spots_committed_slowly(database_url: str) -> AsyncIterator[None]:
    """Each spot taken holds the class's spot lock 20 ms longer before it commits (after
    the spot-counting trigger, as a busy disk would), so the unlocked reads of the crowd
    reliably see the count of before. Without it a quiet machine can commit the first
    20 spots before most reads, and an unguarded race may then happen not to overbook."""
    url = libpq_url(database_url)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute(SLOW_SPOT)
        try:
            yield
        finally:
            await connection.execute("DROP TRIGGER zz_test_slow_spot ON bookings")
            await connection.execute("DROP FUNCTION fitflow_test_slow_spot()")


@asynccontextmanager
async def capacity_check_dropped(database_url: str) -> AsyncIterator[None]:
    """Drop the CHECK that refuses `taken > capacity`, leaving the spot-counting trigger
    counting and the service's unlocked pre-check as the only guard; afterwards empty
    the tables (an overbooked class would violate the CHECK) and put it back as it was."""
    url = libpq_url(database_url)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute("SET lock_timeout = '10s'")
        found = await rows(
            connection,
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'class_sessions'::regclass AND conname = %s",
            GUARD,
        )
        assert len(found) == 1, f"{GUARD} is not in the schema"
        definition = str(found[0][0])
        await connection.execute(f"ALTER TABLE class_sessions DROP CONSTRAINT {GUARD}")
        try:
            yield
        finally:
            await truncate_all(database_url)
            await connection.execute(
                f"ALTER TABLE class_sessions ADD CONSTRAINT {GUARD} {definition}"
            )
    async with await psycopg.AsyncConnection.connect(url) as connection:
        restored = await rows(
            connection,
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'class_sessions'::regclass AND conname = %s",
            GUARD,
        )
    assert restored == [(definition,)]


# --- the tests ----------------------------------------------------------------------


async def test_200_members_on_two_processes_fill_20_spots_and_queue_in_order(
    floor: Floor, database_url: str
) -> None:
    attempts = await race(floor)
    ledger = await read_ledger(database_url, floor.session_id)
    assert_capacity_held(attempts, ledger)

    refused = [a for a in attempts if a.booking.status_code == 409]
    joins = [a.waitlist for a in refused if a.waitlist is not None]
    assert len(joins) == len(refused) == MEMBERS - CAPACITY
    assert [j.status_code for j in joins] == [201] * len(joins), [j.text for j in joins[:3]]
    returned = {str(j.json()["member_id"]): int(j.json()["position"]) for j in joins}
    assert sorted(returned.values()) == list(range(1, MEMBERS - CAPACITY + 1))
    assert returned == dict(ledger.waiting), "the position a join answered is not its rank"
    assert set(returned) == {a.member.member_id for a in refused}

    client = floor.clients[1]
    seen = await created(client.get(f"{floor.base}/sessions/{floor.session_id}"))
    assert (seen["booked"], seen["held"], seen["spots_left"]) == (CAPACITY, 0, 0)
    assert seen["waitlist_length"] == MEMBERS - CAPACITY
    listed = await client.get(
        f"{floor.base}/sessions/{floor.session_id}/waitlist", headers=floor.owner
    )
    assert listed.status_code == 200, listed.text
    assert [(e["member_id"], e["position"]) for e in listed.json()] == sorted(
        returned.items(), key=lambda item: item[1]
    )


async def test_negative_control_without_the_capacity_check_the_race_overbooks(
    floor: Floor, database_url: str
) -> None:
    """The same race with PostgreSQL's CHECK dropped: the service's unlocked read of
    `taken` lets more than CAPACITY through, and the assertions above catch it."""
    async with capacity_check_dropped(database_url), spots_committed_slowly(database_url):
        attempts = await race(floor)
        ledger = await read_ledger(database_url, floor.session_id)
    server_errors = [a.booking.text for a in attempts if a.booking.status_code >= 500]
    assert not server_errors, f"server errors: {server_errors[:3]}"
    booked = sum(attempt.booking.status_code == 201 for attempt in attempts)
    assert len(ledger.live) > CAPACITY, f"no overbooking: {len(ledger.live)} live spots"
    assert booked == ledger.confirmed == len(ledger.live)
    assert ledger.taken == len(ledger.live)
    with pytest.raises(AssertionError):
        assert_capacity_held(attempts, ledger)
