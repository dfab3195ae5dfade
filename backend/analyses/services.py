"""Creating analyses and running them: the Celery task and the CLI share `compute_result`."""

import logging
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from backend.analyses.models import Analysis, AnalysisResult
from backend.core import media
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


def compute_result(network: Network, pixels, out_dir: Path, epoch: int = 0):
    """One forward pass through every layer; writes the .npy files; returns AnalysisOutput.

    ``epoch`` > 0 runs the network with the weights saved after that training epoch."""
    from worker.techniques.analysis import run_analysis

    handle = network.compute_handle()
    if epoch:
        checkpoint = handle.checkpoint_path(epoch)
        if checkpoint is None:
            raise FileNotFoundError(f"no checkpoint for epoch {epoch}")
        extractor = handle.extractor(checkpoint)
    else:
        extractor = handle.extractor()
    x = handle.preprocess(pixels)
    return run_analysis(extractor, x, out_dir)


def execute_analysis_job(job_id: int) -> None:
    """Body of the Celery task: claim, compute (or reuse), store, finish. Never raises."""
    job = jobs.claim(job_id)
    if job is None:
        logger.info("job %s was already taken or cancelled; skipping", job_id)
        return
    try:
        analysis = Analysis.objects.select_related("network", "image").get(job_id=job_id)
        network, image, epoch = analysis.network, analysis.image, analysis.epoch
        result = AnalysisResult.objects.filter(
            network=network, image_sha256=image.sha256, epoch=epoch
        ).first()
        if result is None or not result.is_stored():
            # One forward pass takes milliseconds: no progress updates, they would cost more.
            relative = result_directory(network, image.sha256, epoch)
            output = compute_result(
                network, load_pixels(image), Path(settings.MEDIA_ROOT) / relative, epoch
            )
            media.publish(relative)  # before the row: a row always points at stored files
            result = _store_result(network, image.sha256, relative, output, result, epoch)
        # One transaction (one commit) links the result and finishes the job.
        with transaction.atomic():
            Analysis.objects.filter(pk=analysis.pk).update(result=result)
            if not jobs.succeed(job_id):
                logger.info("job %s was cancelled while it ran; result kept for reuse", job_id)
    except Exception as exc:
        logger.exception("analysis job %s failed", job_id)
        jobs.fail(job_id, readable_reason(exc))


def _store_result(
    network, image_sha256: str, relative: str, output, stale, epoch: int = 0
) -> AnalysisResult:
    values = {
        "directory": relative,
        "probabilities": output.probabilities,
        "layers": output.layers,
    }
    if stale is not None:  # a row whose files were lost: point it at the new files
        AnalysisResult.objects.filter(pk=stale.pk).update(**values)
        stale.refresh_from_db()
        return stale
    try:
        with transaction.atomic():
            return AnalysisResult.objects.create(
                network=network, image_sha256=image_sha256, epoch=epoch, **values
            )
    except IntegrityError:  # a concurrent job stored the same result first
        return AnalysisResult.objects.get(network=network, image_sha256=image_sha256, epoch=epoch)


def readable_reason(exc: Exception) -> str:
    from worker.inputs.images import ImageRejected
    from worker.runtime.model_safety import ModelRejected

    if isinstance(exc, ImageRejected | ModelRejected):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "A file this analysis needs is missing (the image or the network was removed)."
    if isinstance(exc, MemoryError):
        return "The worker ran out of memory on this analysis."
    name = type(exc).__name__
    return f"The analysis failed ({name}: {str(exc)[:300]})."
