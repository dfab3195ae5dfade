"""Session login for the single-page client (the CSRF cookie is set by `me`)."""

from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    authenticated = serializers.BooleanField()
    id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    is_staff = serializers.BooleanField()


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


def me_payload(user) -> dict:
    if not user.is_authenticated:
        return {"authenticated": False, "id": None, "username": None, "is_staff": False}
    return {
        "authenticated": True,
        "id": user.pk,
        "username": user.username,
        "is_staff": user.is_staff,
    }


class LoginThrottle(AnonRateThrottle):
    scope = "login"
    rate = "20/min"


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(me_payload(request.user))


class LoginView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=LoginSerializer, responses=MeSerializer)
    def post(self, request):
        payload = LoginSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=payload.validated_data["username"],
            password=payload.validated_data["password"],
        )
        if user is None:
            return Response(
                {"detail": "That username and password do not match an account."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        login(request, user)
        return Response(me_payload(user))


class LogoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
