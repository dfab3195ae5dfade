"""Load the zoo and public networks and trace their tf.functions when a worker child starts.

Bounded, because a child is replaced when it passes CELERY_WORKER_MAX_MEMORY_PER_CHILD and takes
no job while it warms up: with real-size networks registered (VGG16: 138 M parameters, DenseNet121:
429 layers to trace), warming every one took 55 s and left the child above its memory limit, so
it was replaced after every job and the next child warmed up again. Networks are warmed smallest
first (the zoo first) while their estimated memory stays within ``CONVSCOPE_WARM_UP_BYTES`` and
the time spent within ``CONVSCOPE_WARM_UP_SECONDS``; the rest load on their first job.
"""

import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)

# Bytes a warmed network holds per parameter: its weights (float32) in the Keras model, the
# layer extractor and the attribution model share them; traced graphs and buffers add about
# as much again.
BYTES_PER_PARAMETER = 8


def warm_up_plan(networks: list, budget_bytes: int) -> list:
    """The networks to warm, zoo first then smallest first, while the estimate fits."""
    ordered = sorted(networks, key=lambda n: (n.source != "zoo", n.params or 0, n.name))
    chosen, used = [], 0
    for network in ordered:
        need = (network.params or 0) * BYTES_PER_PARAMETER
        if used + need > budget_bytes:
            continue
        chosen.append(network)
        used += need
    return chosen


def warm_up_networks(limit: int = 8) -> int:
    from django.db import connection

    from backend.networks.models import Network

    started = time.perf_counter()
    budget = int(getattr(settings, "CONVSCOPE_WARM_UP_BYTES", 1 << 30))
    seconds = float(getattr(settings, "CONVSCOPE_WARM_UP_SECONDS", 20))
    warmed = 0
    try:
        public = list(Network.objects.filter(public=True).order_by("name", "-version"))
    except Exception:  # the database may not be migrated yet: start anyway
        logger.warning("warm-up skipped: networks could not be listed", exc_info=True)
        return 0
    finally:
        connection.close()  # do not carry a connection opened before a fork into tasks
    for network in warm_up_plan(public, budget)[:limit]:
        if time.perf_counter() - started > seconds:
            break
        try:
            handle = network.compute_handle()
            handle.extractor().warm_up()
            # The attribution functions too (traced on first use: ~0.3 s per network).
            handle.attribution_model()
            warmed += 1
        except Exception:
            logger.warning("warm-up of %s failed", network, exc_info=True)
    logger.info(
        "warmed %d of %d networks in %.1f s", warmed, len(public), time.perf_counter() - started
    )
    return warmed
