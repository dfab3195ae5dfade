"""The analysis job, as the job runner runs it (backend/jobs/runner.py), and the job computing
one layer of a stored result that is not on disk (backend/analyses/storage.py)."""

import logging

from django.urls import reverse

from backend.analyses import services, storage
from backend.analyses.models import Analysis, AnalysisResult, LayerRequest
from backend.core import media
from backend.core.results import store_result
from backend.jobs import services as jobs
from backend.jobs.runner import ComputeJob, Work, failure_text, register

logger = logging.getLogger(__name__)


class LayerJob(ComputeJob):
    """Compute one layer of a stored result and store it (float16, or float32 when exact).

    Its jobs are of kind "analysis" (the analysis declaration hands them here), so it is not
    registered under a kind of its own."""

    what = "layer computation"
    plain_value_errors = False

    def run(self, job_id: int) -> None:
        job = jobs.claim(job_id)
        if job is None:
            logger.info("job %s was already taken or cancelled; skipping", job_id)
            return
        try:
            request = LayerRequest.objects.select_related("result__network", "analysis__image").get(
                job_id=job_id
            )
            storage.compute_and_store_layer(request)
            jobs.succeed(job_id)
        except Exception as exc:
            logger.exception("layer job %s failed", job_id)
            jobs.fail(job_id, failure_text(exc, self))

    def result_url(self, job) -> str | None:
        request = job.layer_request
        url = reverse("analysis-activation", args=[request.analysis_id, request.index])
        return url + "?dtype=float32" if request.exact else url


LAYER_JOB = LayerJob()


class AnalysisJob(ComputeJob):
    """One forward pass through every layer of a network for one image (or reuse)."""

    kinds = ("analysis",)
    request_name = "analysis"
    routes = {"analysis": "analysis-detail"}
    what = "analysis"
    plain_value_errors = False  # a ValueError here is a fault of the server, not the input

    def run(self, job_id: int) -> None:
        if LayerRequest.objects.filter(job_id=job_id).exists():
            LAYER_JOB.run(job_id)
        else:
            super().run(job_id)

    def result_url(self, job) -> str | None:
        if LayerRequest.objects.filter(job_id=job.pk).exists():
            return LAYER_JOB.result_url(job)
        return super().result_url(job)

    def requests(self):
        return Analysis.objects.select_related("network", "image")

    def prepare(self, request: Analysis) -> Work:
        network, sha, epoch = request.network, request.image.sha256, request.epoch
        stored = AnalysisResult.objects.filter(network=network, image_sha256=sha, epoch=epoch)
        existing = stored.first()
        if existing is not None and existing.is_stored():
            storage.touch(existing)
            return Work(existing)
        # None, or a row whose files were lost: computed again, and store_result points the
        # row at the new files.
        return Work(None, services.result_directory(network, sha, epoch))

    def compute(self, request: Analysis, work: Work, out_dir, progress):
        # One forward pass takes milliseconds: no progress reports, they would cost more.
        pixels = services.load_pixels(request.image)
        return services.compute_result(
            request.network, pixels, out_dir, request.epoch, budget_bytes=storage.budget_bytes()
        )

    def store(self, request: Analysis, work: Work, output) -> AnalysisResult:
        from django.utils import timezone

        lookup = {
            "network": request.network,
            "image_sha256": request.image.sha256,
            "epoch": request.epoch,
        }
        values = {
            "directory": work.directory,
            "probabilities": output.probabilities,
            "layers": output.layers,
            "ood": output.ood,
            "disk_bytes": media.folder_bytes(work.directory),
            "used_at": timezone.now(),
        }
        return store_result(AnalysisResult, lookup, values)


register(AnalysisJob())
