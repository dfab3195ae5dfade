from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.core.roles import roles_of


class SignupSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate_username(self, value: str) -> str:
        model = get_user_model()
        field = model._meta.get_field(model.USERNAME_FIELD)
        for validator in field.validators:
            validator(value)
        if model.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("That username is taken. Choose another one.")
        return value

    def validate_email(self, value: str) -> str:
        # One account per address, so a reset mail always means one account.
        if get_user_model().objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(
                "An account already uses that address. Sign in, or reset its password."
            )
        return value

    def validate(self, attrs: dict) -> dict:
        probe = get_user_model()(username=attrs["username"], email=attrs["email"])
        try:
            password_validation.validate_password(attrs["password"], probe)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    new_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate_old_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("Your current password is not right.")
        return value

    def validate_new_password(self, value: str) -> str:
        password_validation.validate_password(value, self.context["request"].user)
        return value


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()
    new_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    @staticmethod
    def validate_password_for(user, password: str) -> None:
        """Django's password rules for this user (some compare with the username)."""
        try:
            password_validation.validate_password(password, user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from exc


class MessageSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AccountSerializer(serializers.ModelSerializer):
    """An account as an administrator sees it."""

    roles = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "is_active", "date_joined", "last_login", "roles"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_roles(self, user) -> list[str]:
        return roles_of(user)
