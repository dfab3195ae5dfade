from django.contrib import admin

from backend.uploads.models import UploadedImage


@admin.register(UploadedImage)
class UploadedImageAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "source", "original_format", "width", "height", "created_at"]
    list_filter = ["source"]
