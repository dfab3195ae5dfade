"""Creating analyses and running them: the Celery task and the CLI share `compute_result`."""

import logging
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from backend.analyses.models import Analysis, AnalysisResult
from backend.jobs import services as jobs
from backend.jobs.models import JobKind, JobStatus
from backend.networks.models import Network
from backend.uploads.models import UploadedImage

logger = logging.getLogger(__name__)


def result_directory(network: Network, image_sha256: str, epoch: int = 0) -> str:
    base = Path("results") / f"{network.name}-v{network.version}"
    if epoch:
        base = base / f"epoch_{epoch:02d}"
    return str(base / image_sha256)


def create_analysis(owner, network: Network, image: UploadedImage, epoch: int = 0) -> Analysis:
    """A row first; reuse a stored result for the same network version, pixels and epoch.

    ``epoch`` 0 is the trained network; N > 0 the checkpoint saved after epoch N (the
    caller validates it with ``Network.resolve_epoch``).
    """
    cached = AnalysisResult.objects.filter(
        network=network, image_sha256=image.sha256, epoch=epoch
    ).first()
    if cached is not None and not cached.is_stored():
        cached.delete()  # its files are gone: compute again
        cached = None
    if cached is not None:
        AnalysisResult.objects.filter(pk=cached.pk).update(used_at=timezone.now())
    with transaction.atomic():
        if cached is not None:
            job = jobs.create_job(
                owner,
                JobKind.ANALYSIS,
                status=JobStatus.SUCCEEDED,
                message="Reused a stored result.",
            )
        else:
            job = jobs.create_job(owner, JobKind.ANALYSIS)
        analysis = Analysis.objects.create(
            owner=owner, network=network, image=image, job=job, result=cached, epoch=epoch
        )
    if cached is None:
        jobs.enqueue(job, "analyses.run_analysis")
    return analysis


def load_pixels(image: UploadedImage):
    from worker.inputs.images import decode_image

    return decode_image(image.path.read_bytes()).pixels


def compute_result(
    network: Network, pixels, out_dir: Path, epoch: int = 0, budget_bytes: int | None = None
):
    """One forward pass through every layer; writes the .npy files; returns AnalysisOutput.

    ``epoch`` > 0 runs the network with the weights saved after that training epoch.
    ``budget_bytes`` bounds the layer files kept (see worker.techniques.analysis.plan_storage);
    None keeps every layer in float32 (the CLI)."""
    from worker.techniques.analysis import run_analysis

    handle = network.compute_handle()
    extractor = handle.extractor_at(epoch)
    x = handle.preprocess(pixels)
    output = run_analysis(extractor, x, out_dir, budget_bytes)
    if epoch == 0:  # the checks are fitted for the trained weights, not a checkpoint's
        output.ood = check_ood(network, x, pixels)
        try:
            from backend.networks import calibration
            from backend.networks.ood import ANALYSIS_FIT_SECONDS

            calibration.ensure_fitted(network, max_seconds=ANALYSIS_FIT_SECONDS)
        except SoftTimeLimitExceeded:
            raise  # the job's own limit: never swallowed
        except Exception as exc:  # noqa: BLE001 - the raw softmax still stands
            logger.warning("calibration of %s failed: %s", network, exc)
    return output


def check_ood(network: Network, x, pixels) -> dict:
    """The image's out-of-distribution check, with whether its background is the opposite of
    the training pictures' (``polarity``); a failure of the check never fails the analysis
    (it says why instead)."""
    from backend.networks import ood

    try:
        return {**ood.score(network, x), "polarity": ood.polarity(network, pixels)}
    except SoftTimeLimitExceeded:
        raise  # the job's own limit: never swallowed
    except Exception as exc:  # noqa: BLE001 - the prediction still stands without it
        logger.warning("out-of-distribution check of %s failed: %s", network, exc)
        return {"method": None, "flagged": None, "error": str(exc)[:300]}
