"""The analysis job, as the job runner runs it (backend/jobs/runner.py)."""

from backend.analyses import services
from backend.analyses.models import Analysis, AnalysisResult
from backend.core.results import store_result
from backend.jobs.runner import ComputeJob, Work, register


class AnalysisJob(ComputeJob):
    """One forward pass through every layer of a network for one image (or reuse)."""

    kinds = ("analysis",)
    request_name = "analysis"
    routes = {"analysis": "analysis-detail"}
    what = "analysis"
    plain_value_errors = False  # a ValueError here is a fault of the server, not the input

    def requests(self):
        return Analysis.objects.select_related("network", "image")

    def prepare(self, request: Analysis) -> Work:
        network, sha, epoch = request.network, request.image.sha256, request.epoch
        stored = AnalysisResult.objects.filter(network=network, image_sha256=sha, epoch=epoch)
        existing = stored.first()
        if existing is not None and existing.is_stored():
            return Work(existing)
        # None, or a row whose files were lost: computed again, and store_result points the
        # row at the new files.
        return Work(None, services.result_directory(network, sha, epoch))

    def compute(self, request: Analysis, work: Work, out_dir, progress):
        # One forward pass takes milliseconds: no progress reports, they would cost more.
        pixels = services.load_pixels(request.image)
        return services.compute_result(request.network, pixels, out_dir, request.epoch)

    def store(self, request: Analysis, work: Work, output) -> AnalysisResult:
        lookup = {
            "network": request.network,
            "image_sha256": request.image.sha256,
            "epoch": request.epoch,
        }
        values = {
            "directory": work.directory,
            "probabilities": output.probabilities,
            "layers": output.layers,
        }
        return store_result(AnalysisResult, lookup, values)


register(AnalysisJob())
