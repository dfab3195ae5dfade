"""Requests that act on "one of your images, or a dataset sample": one way to read them."""

from rest_framework import serializers
from rest_framework.exceptions import NotFound

from backend.datasets.models import Dataset
from backend.uploads import services as upload_services
from backend.uploads.models import UploadedImage


class SampleChoiceSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    index = serializers.IntegerField(min_value=0)


def image_from_choice(user, data: dict) -> UploadedImage:
    """The user's image ``data["image"]``, or the dataset sample ``data["sample"]`` stored
    for them. 404 (not 403) for another user's image, so ids reveal nothing."""
    if "image" in data:
        image = UploadedImage.objects.filter(owner=user, pk=data["image"]).first()
        if image is None:
            raise NotFound("There is no such image.")
        return image
    sample = data["sample"]
    if not Dataset.objects.visible_to(user).filter(name=sample["dataset"]).exists():
        raise NotFound("There is no such dataset.")
    try:
        return upload_services.store_sample(user, sample["dataset"], sample["index"])
    except IndexError as exc:
        raise NotFound("There is no such sample image.") from exc
