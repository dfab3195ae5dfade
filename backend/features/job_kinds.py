"""The feature-visualisation job, as the job runner runs it (backend/jobs/runner.py)."""

from backend.core.results import store_result
from backend.features import services
from backend.features.models import FeatureVis, FeatureVisResult
from backend.jobs.runner import ComputeJob, Work, register


class FeatureVisJob(ComputeJob):
    """Images optimised to excite filters or classes of a network (or reuse)."""

    kinds = ("feature-vis",)
    request_name = "feature_vis"
    routes = {"feature-vis": "feature-vis-detail"}
    what = "feature visualisation"
    timeout_advice = "try fewer filters, fewer steps or one image per filter."

    def requests(self):
        return FeatureVis.objects.select_related("network")

    def prepare(self, vis: FeatureVis) -> Work:
        request = {"kind": vis.kind, "layer": vis.layer, "filters": vis.filters,
                   "params": vis.params}  # fmt: skip
        key = services.params_key(vis.network, request)
        context = {"request": request, "key": key}
        existing = services.find_result(vis.network, vis.kind, key)
        if existing is not None:
            return Work(existing, context=context)
        return Work(None, services.result_directory(vis.network, vis.kind, vis.layer, key), context)

    def compute(self, vis: FeatureVis, work: Work, out_dir, progress) -> dict:
        return services.compute(vis.network, work.context["request"], out_dir, progress=progress)

    def store(self, vis: FeatureVis, work: Work, summary: dict) -> FeatureVisResult:
        lookup = {"network": vis.network, "kind": vis.kind, "params_key": work.context["key"]}
        values = {"layer": vis.layer, "filters": vis.filters, "params": vis.params,
                  "directory": work.directory, "summary": summary}  # fmt: skip
        return store_result(FeatureVisResult, lookup, values)


register(FeatureVisJob())
