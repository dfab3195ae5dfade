"""Accounts for the single-page client: session sign-in (the CSRF cookie is set by `me`),
sign-up, password change and reset, and the administrators' list of accounts to approve."""

import math

from django.conf import settings
from django.contrib.auth import (
    authenticate,
    get_user_model,
    login,
    logout,
    update_session_auth_hash,
)
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import lockout, services
from backend.accounts.api.serializers import (
    AccountSerializer,
    MessageSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    SignupSerializer,
)
from backend.core.roles import IsAdminRole, roles_of
from backend.core.throttling import (
    LoginRateThrottle,
    PasswordResetRateThrottle,
    SignupRateThrottle,
)


class MeSerializer(serializers.Serializer):
    authenticated = serializers.BooleanField()
    id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    is_staff = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


def me_payload(user) -> dict:
    if not user.is_authenticated:
        return {
            "authenticated": False,
            "id": None,
            "username": None,
            "is_staff": False,
            "roles": [],
        }
    return {
        "authenticated": True,
        "id": user.pk,
        "username": user.username,
        "is_staff": user.is_staff,
        "roles": roles_of(user),
    }


def _message(text: str, code: int, **headers: str) -> Response:
    return Response({"detail": text}, status=code, headers=headers or None)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(me_payload(request.user))


class LoginView(APIView):
    """Per-IP rate limit, and a lock on a username after repeated failures."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(request=LoginSerializer, responses={200: MeSerializer, 429: MessageSerializer})
    def post(self, request):
        payload = LoginSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        username = payload.validated_data["username"]
        password = payload.validated_data["password"]
        wait = lockout.locked_for(username)
        if wait:
            return _message(
                lockout.message(wait),
                status.HTTP_429_TOO_MANY_REQUESTS,
                **{"Retry-After": str(math.ceil(wait))},
            )
        user = authenticate(request, username=username, password=password)
        if user is None:
            lockout.record_failure(username)
            if _waiting_for_approval(username, password):
                return _message(
                    "Your account is waiting for an administrator's approval.",
                    status.HTTP_403_FORBIDDEN,
                )
            return _message(
                "That username and password do not match an account.",
                status.HTTP_400_BAD_REQUEST,
            )
        lockout.clear(username)
        login(request, user)
        return Response(me_payload(user))


def _waiting_for_approval(username: str, password: str) -> bool:
    """True for a right password on an account that was never activated (sign-up by approval);
    a wrong password learns nothing from this."""
    candidate = get_user_model().objects.filter(username=username, is_active=False).first()
    return (
        candidate is not None
        and candidate.last_login is None
        and candidate.check_password(password)
    )


class LogoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignupView(APIView):
    """Sign-up as CONVSCOPE_SIGNUP says: open (signed in at once), approval (an administrator
    activates the account) or closed."""

    permission_classes = [AllowAny]
    throttle_classes = [SignupRateThrottle]

    @extend_schema(
        request=SignupSerializer,
        responses={201: MeSerializer, 202: MessageSerializer, 403: MessageSerializer},
    )
    def post(self, request):
        mode = services.signup_mode()
        if mode == services.SIGNUP_CLOSED:
            return _message(
                "New accounts cannot be created here. Ask an administrator for one.",
                status.HTTP_403_FORBIDDEN,
            )
        payload = SignupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.create_account(**payload.validated_data)
        if mode == services.SIGNUP_APPROVAL:
            return _message(
                "Thank you. Your account waits for an administrator's approval; "
                "you can sign in once it is approved.",
                status.HTTP_202_ACCEPTED,
            )
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        return Response(me_payload(user), status=status.HTTP_201_CREATED)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={200: MessageSerializer})
    def post(self, request):
        payload = PasswordChangeSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        request.user.set_password(payload.validated_data["new_password"])
        request.user.save(update_fields=["password"])
        # Changing the password rotates the session hash: keep this session signed in.
        update_session_auth_hash(request, request.user)
        return _message("Your password has been changed.", status.HTTP_200_OK)


class PasswordResetView(APIView):
    """Always 202, so the answer never tells whether an account uses the address."""

    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetRateThrottle]

    @extend_schema(request=PasswordResetSerializer, responses={202: MessageSerializer})
    def post(self, request):
        payload = PasswordResetSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.send_password_reset(
            payload.validated_data["email"], request.build_absolute_uri("/")
        )
        return _message(
            "If an account uses that address, a link to choose a new password is on its "
            "way. Check your mail.",
            status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetRateThrottle]

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={200: MessageSerializer, 400: MessageSerializer},
    )
    def post(self, request):
        payload = PasswordResetConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = services.user_from_reset(data["uid"], data["token"])
        if user is None:
            return _message(
                "This link is not valid any more (it was used, or it expired). Ask for a new one.",
                status.HTTP_400_BAD_REQUEST,
            )
        # Validated only now: the password rules may compare it with this user's name.
        PasswordResetConfirmSerializer.validate_password_for(user, data["new_password"])
        user.set_password(data["new_password"])
        user.save(update_fields=["password"])
        lockout.clear(user.get_username())
        return _message("Your password has been changed. Sign in with it now.", status.HTTP_200_OK)


class AccountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Accounts, for administrators: `?pending=1` lists sign-ups waiting for approval."""

    serializer_class = AccountSerializer
    permission_classes = [IsAdminRole]

    def get_queryset(self):
        queryset = get_user_model().objects.order_by("-date_joined")
        if self.request.query_params.get("pending") in ("1", "true", "yes"):
            queryset = queryset.filter(is_active=False, last_login__isnull=True)
        return queryset.prefetch_related("groups")

    @extend_schema(
        parameters=[OpenApiParameter("pending", bool, description="only accounts to approve")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: AccountSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        account = self.get_object()
        if not account.is_active:
            account.is_active = True
            account.save(update_fields=["is_active"])
        return Response(self.get_serializer(account).data)
