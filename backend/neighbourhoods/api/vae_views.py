"""A VAE for a registered dataset: ``POST`` its name (answered 202 with a job); once the job
succeeded, the VAE's manifest (test-split figures) comes with the request, and the dataset's
test pictures get the neighbourhood view."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.core.scoping import owned
from backend.core.throttling import JobRateThrottle
from backend.datasets.models import Dataset
from backend.jobs.api.serializers import JobSerializer
from backend.neighbourhoods import vae_services
from backend.neighbourhoods.models import VaeTraining


class VaeTrainingCreateSerializer(serializers.Serializer):
    dataset = serializers.CharField(help_text="the name of a registered dataset you can see")


class VaeTrainingSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True)
    dataset = serializers.CharField(source="dataset.name")
    manifest = serializers.SerializerMethodField()

    class Meta:
        model = VaeTraining
        fields = ["id", "dataset", "job", "manifest", "created_at"]
        read_only_fields = fields

    def get_manifest(self, request: VaeTraining) -> dict | None:
        done = request.result_id is not None and request.job.status == "succeeded"
        return request.result.summary if done else None


class VaeTrainingViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Train a VAE (the neighbourhood view's generator) for a registered dataset, by the zoo's
    seeded default recipe; its manifest records the reconstruction error and KL on the
    dataset's test split."""

    serializer_class = VaeTrainingSerializer
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return VaeTraining.objects.none()
        queryset = owned(VaeTraining.objects.all(), self.request, self.action)
        return queryset.select_related("job", "result", "dataset")

    @extend_schema(request=VaeTrainingCreateSerializer, responses={202: VaeTrainingSerializer})
    def create(self, request, *args, **kwargs):
        payload = VaeTrainingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        name = payload.validated_data["dataset"]
        dataset = Dataset.objects.visible_to(request.user).filter(name=name).first()
        if dataset is None:
            raise NotFound("There is no such dataset.")
        try:
            made = vae_services.create_vae_training(request.user, dataset)
        except vae_services.RequestInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        made = self.get_queryset().get(pk=made.pk)
        return Response(self.get_serializer(made).data, status=status.HTTP_202_ACCEPTED)
