from django.contrib import admin

from backend.sharing.models import Lesson, LessonStep, ShareLink


class LessonStepInline(admin.TabularInline):
    model = LessonStep
    extra = 0
    raw_id_fields = ["network", "image", "analysis"]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "owner", "updated_at"]
    inlines = [LessonStepInline]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    # The token is never stored; the hash is shown read-only so nobody edits it by hand.
    list_display = ["id", "owner", "analysis", "lesson", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["token_hash", "view_count", "last_viewed_at"]
    raw_id_fields = ["analysis", "lesson"]
