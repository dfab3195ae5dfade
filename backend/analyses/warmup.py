"""Load every zoo and public network and trace its tf.functions when a worker child starts."""

import logging
import time

logger = logging.getLogger(__name__)


def warm_up_networks(limit: int = 8) -> int:
    from django.db import connection

    from backend.networks.models import Network

    started = time.perf_counter()
    warmed = 0
    try:
        networks = list(Network.objects.filter(public=True).order_by("name", "-version")[:limit])
    except Exception:  # the database may not be migrated yet: start anyway
        logger.warning("warm-up skipped: networks could not be listed", exc_info=True)
        return 0
    finally:
        connection.close()  # do not carry a connection opened before a fork into tasks
    for network in networks:
        try:
            handle = network.compute_handle()
            handle.extractor().warm_up()
            # The attribution functions too (traced on first use: ~0.3 s per network).
            handle.attribution_model()
            warmed += 1
        except Exception:
            logger.warning("warm-up of %s failed", network, exc_info=True)
    logger.info("warmed %d networks in %.1f s", warmed, time.perf_counter() - started)
    return warmed
