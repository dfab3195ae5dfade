"""SQLite writes begin IMMEDIATE (issue 17 §6, "database is locked" while registering): two
transactions that each read, then write, both succeed, the second waiting for the first. With
SQLite's default DEFERRED mode the second one's write fails at once: SQLite cannot wait for a
lock a reader holds when that reader wants to write too."""

import contextlib
import threading
import time

import pytest
from django.db import connection, connections, transaction

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking only")
def test_read_then_write_transactions_wait_instead_of_failing(make_user):
    from backend.networks.models import Network

    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    owner = make_user("writer")
    errors: list[BaseException] = []
    inside = threading.Barrier(2, timeout=10)

    def read_then_write(name: str) -> None:
        try:
            with transaction.atomic():
                Network.objects.filter(name=name).exists()  # a read first, like registration
                with contextlib.suppress(threading.BrokenBarrierError):
                    inside.wait(timeout=0.5)  # both at once if the lock lets them
                time.sleep(0.3)
                Network.objects.create(
                    name=name, owner=owner, source="upload", model_file="x", weights_sha256="0"
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read_then_write, args=(f"net-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Network.objects.filter(name__startswith="net-").count() == 2
