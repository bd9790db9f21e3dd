"""Password hashing with Argon2id, off the event loop and bounded in concurrency."""

from __future__ import annotations

from functools import cache
from importlib import resources

import anyio
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from fitflow.config import AuthSettings

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("fitflow.auth").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_strength(password: str) -> str:
    """Pydantic validator: refuse the passwords attackers try first."""
    if password.lower() in common_passwords():
        raise ValueError("this password is one of the most common ones; choose another")
    return password


class PasswordHasher:
    def __init__(self, settings: AuthSettings) -> None:
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    time_cost=settings.argon2_time_cost,
                    memory_cost=settings.argon2_memory_kib,
                    parallelism=settings.argon2_parallelism,
                ),
            )
        )
        self._limiter = anyio.CapacityLimiter(settings.max_concurrent_hashes)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hash.hash, password, limiter=self._limiter)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check `password`; with no hash (unknown account) check against a dummy one so
        the answer costs the same time either way."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash("fitflow dummy password for timing")
            await anyio.to_thread.run_sync(
                self._hash.verify, password, self._dummy_hash, limiter=self._limiter
            )
            return False
        return await anyio.to_thread.run_sync(
            self._hash.verify, password, password_hash, limiter=self._limiter
        )
