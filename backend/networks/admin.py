from django.contrib import admin

from backend.networks.models import Network


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "source", "dataset", "test_accuracy", "owner", "public"]
    list_filter = ["source", "public", "dataset"]
    readonly_fields = ["weights_sha256", "layers", "params", "created_at"]
