"""Time what a sign-in costs: argon2id hashing with the product's parameters, sign-in, and a session check."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher

from indicators.accounts import open_accounts


def _ms(fn, runs: int) -> float:
    start = time.perf_counter()
    for _ in range(runs):
        fn()
    return (time.perf_counter() - start) / runs * 1000


def main() -> None:
    """Print milliseconds per operation."""
    hasher = PasswordHasher()
    print(
        f"argon2id parameters: memory {hasher.memory_cost} KiB, time {hasher.time_cost}, lanes {hasher.parallelism}"
    )
    print(f"hash            {_ms(lambda: hasher.hash('correct horse battery'), 10):7.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        accounts = open_accounts(f"sqlite:///{tmp}/bench.db")
        accounts.add_user("zhang", "editor", themes=["health"], password="correct horse battery")
        sessions = []
        print(
            f"sign-in         {_ms(lambda: sessions.append(accounts.sign_in('zhang', 'correct horse battery')), 10):7.1f} ms"
        )
        token = sessions[0].token
        print(f"session check   {_ms(lambda: accounts.session_user(token), 200):7.2f} ms  (every page run)")
        accounts.engine.dispose()


if __name__ == "__main__":
    main()
