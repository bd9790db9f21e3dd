from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifications.mailbox import Mailbox, running_mailbox


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box
