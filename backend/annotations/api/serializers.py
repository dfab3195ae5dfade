from rest_framework import serializers

from backend.annotations.models import MAX_NOTE, FilterAnnotation, Verdict


class FilterAnnotationSerializer(serializers.ModelSerializer):
    class Meta:
        model = FilterAnnotation
        fields = ["id", "network", "layer", "filter", "verdict", "note", "created_at", "updated_at"]
        read_only_fields = fields


class FilterAnnotationWriteSerializer(serializers.Serializer):
    """Create, or update when the filter already has your annotation."""

    network = serializers.IntegerField(help_text="id of a network you may see")
    layer = serializers.CharField(max_length=200)
    filter = serializers.IntegerField(min_value=0, help_text="output channel of the layer")
    verdict = serializers.ChoiceField(choices=Verdict.choices, required=False, default="")
    note = serializers.CharField(
        max_length=MAX_NOTE, required=False, allow_blank=True, default="", trim_whitespace=True
    )


class FilterAnnotationPatchSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices, required=False)
    note = serializers.CharField(
        max_length=MAX_NOTE, required=False, allow_blank=True, trim_whitespace=True
    )
