from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from backend.core.scoping import owned
from backend.core.throttling import JobRateThrottle
from backend.training import services
from backend.training.api.serializers import (
    RecipeCheckResultSerializer,
    RecipeCheckSerializer,
    TrainingRunCreateSerializer,
    TrainingRunSerializer,
)
from backend.training.models import TrainingRun
from worker.techniques.training import recipe


class TrainingRunViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Build and train your own small network: check a layer stack (shapes, parameters,
    problems, time), start its training as a job (cancel it through /api/jobs/{id}/cancel/),
    follow its curves here; the finished network is yours, private, in Explore."""

    serializer_class = TrainingRunSerializer
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return TrainingRun.objects.none()
        return owned(TrainingRun.objects.all(), self.request, self.action).select_related(
            "job", "dataset"
        )

    def get_throttles(self):
        # the page checks the stack as it is typed: only starting a run is a job
        return super().get_throttles() if self.action == "create" else []

    @extend_schema(request=TrainingRunCreateSerializer, responses={202: TrainingRunSerializer})
    def create(self, request, *args, **kwargs):
        form = TrainingRunCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            run = services.create_run(request.user, form.validated_data)
        except services.QuotaExceeded as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.RequestInvalid as exc:
            problems = getattr(exc, "problems", [{"layer": None, "message": str(exc)}])
            raise ValidationError({"detail": str(exc), "problems": problems}) from exc
        run = self.get_queryset().get(pk=run.pk)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=RecipeCheckSerializer, responses=RecipeCheckResultSerializer)
    @action(detail=False, methods=["post"])
    def check(self, request):
        """Every layer's output shape and parameters, the problems in words (the page shows
        them beside their layers), the time the training would take and the owner's quota.
        Nothing is queued; an invalid stack is answered 200 with its problems."""
        form = RecipeCheckSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            dataset = services.find_dataset(form.validated_data["dataset"])
        except services.RequestInvalid as exc:
            raise ValidationError({"dataset": [str(exc)]}) from exc
        answer = services.plan(dataset, form.validated_data).as_dict()
        answer["quota"] = services.quota(request.user)
        return Response(answer)

    @extend_schema(
        responses=inline_serializer(
            "TrainingOptions",
            {
                "layer_types": serializers.DictField(),
                "datasets": serializers.ListField(child=serializers.DictField()),
                "limits": serializers.DictField(),
                "quota": serializers.DictField(),
            },
        )
    )
    @action(detail=False, methods=["get"])
    def options(self, request):
        """What the builder offers: layer types with each setting's default and range (or
        choices), the datasets, this server's limits and the requester's quota."""
        types = {
            kind: {
                name: (
                    {"default": spec[0], "choices": list(spec[1])}
                    if len(spec) == 2
                    else {"default": spec[0], "min": spec[1], "max": spec[2]}
                )
                for name, spec in settings_.items()
            }
            for kind, settings_ in recipe.LAYER_TYPES.items()
        }
        limits = services.limits()
        datasets = []
        for dataset in services.trainable_datasets():
            facts = services._facts(dataset)
            datasets.append(
                {
                    "name": dataset.name,
                    "title": dataset.title,
                    "input_shape": facts["input_shape"],
                    "classes": len(facts["classes"]),
                    "train_images": facts["train"],
                }
            )
        return Response(
            {
                "layer_types": types,
                "type_words": recipe.TYPE_WORDS,
                "datasets": datasets,
                "limits": {
                    "max_layers": limits.max_layers,
                    "max_params": limits.max_params,
                    "memory_mb": limits.memory_bytes // 2**20,
                    "time_limit_seconds": services.time_limit(),
                    "max_epochs": services.MAX_EPOCHS,
                    "min_images": services.MIN_IMAGES,
                    "default_images": services.DEFAULT_IMAGES,
                },
                "quota": services.quota(request.user),
            }
        )
