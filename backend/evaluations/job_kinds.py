"""Dataset-view jobs (evaluation, embedding, top activations, filter ranking), as the job
runner runs them (backend/jobs/runner.py)."""

from backend.core.results import store_result
from backend.evaluations import services
from backend.evaluations.models import DatasetView, DatasetViewResult
from backend.jobs.runner import ComputeJob, Work, register


class DatasetViewJob(ComputeJob):
    """A view of a network over a whole test set (or reuse)."""

    kinds = ("evaluation", "embedding", "top-activations", "filter-ranking")
    request_name = "dataset_view"
    routes = {
        "evaluation": "evaluation-detail",
        "embedding": "embedding-detail",
        "top-activations": "top-activation-detail",
        "filter-ranking": "filter-ranking-detail",
    }
    what = "job"
    timeout_advice = "try fewer test images (a smaller subset), fewer filters or a smaller layer."

    def requests(self):
        return DatasetView.objects.select_related("network", "network__dataset")

    def prepare(self, view: DatasetView) -> Work:
        key = services.params_key(view.params)
        existing = services.find_result(view.network, view.kind, key)
        if existing is not None:
            return Work(existing, context={"key": key})
        directory = services.result_directory(view.network, view.kind, key)
        return Work(None, directory, {"key": key})

    def compute(self, view: DatasetView, work: Work, out_dir, progress) -> dict:
        return services.compute(view.network, view.kind, view.params, out_dir, progress=progress)

    def store(self, view: DatasetView, work: Work, summary: dict) -> DatasetViewResult:
        lookup = {"network": view.network, "kind": view.kind, "params_key": work.context["key"]}
        values = {"params": view.params, "directory": work.directory, "summary": summary}
        return store_result(DatasetViewResult, lookup, values)


register(DatasetViewJob())
