"""Comparison jobs, as the job runner runs them (backend/jobs/runner.py)."""

from backend.comparisons import services
from backend.comparisons.models import Comparison, ComparisonResult
from backend.core.results import store_result
from backend.jobs.runner import ComputeJob, Work, register


class ComparisonJob(ComputeJob):
    """Two networks compared on the test split or layer by layer (or reuse)."""

    kinds = ("comparison",)
    request_name = "comparison"
    routes = {"comparison": "comparison-detail"}
    what = "comparison"
    timeout_advice = "compare on fewer test images, or fewer layers."

    def requests(self):
        return Comparison.objects.select_related(
            "network_a", "network_b", "network_a__dataset", "network_b__dataset"
        )

    def prepare(self, comparison: Comparison) -> Work:
        key = services.params_key(comparison.params)
        existing = services.find_result(key)
        if existing is not None:
            return Work(existing, context={"key": key})
        return Work(None, services.result_directory(key), {"key": key})

    def compute(self, comparison: Comparison, work: Work, out_dir, progress) -> dict:
        return services.compute(comparison, out_dir, progress=progress)

    def store(self, comparison: Comparison, work: Work, summary: dict) -> ComparisonResult:
        values = {"kind": comparison.kind, "params": comparison.params,
                  "directory": work.directory, "summary": summary}  # fmt: skip
        return store_result(ComparisonResult, {"params_key": work.context["key"]}, values)


register(ComparisonJob())
