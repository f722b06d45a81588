from django.urls import path

from .views import account, password, signin, signup

app_name = "accounts"

urlpatterns = [
    path("login", signin.LoginView.as_view(), name="login"),
    path("login/verify", signin.SecondFactorView.as_view(), name="second-factor"),
    path("login/passkey/options", signin.passkey_options, name="passkey-options"),
    path("login/passkey", signin.passkey_sign_in, name="passkey-sign-in"),
    path("logout", signin.LogoutView.as_view(), name="logout"),
    path("signup", signup.SignUpView.as_view(), name="signup"),
    path("verify-email", signup.verify_email, name="verify-email"),
    path("password/reset", password.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent", password.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>",
        password.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password/reset/done", password.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("account/password", password.PasswordChangeView.as_view(), name="password-change"),
    path("", account.home, name="home"),
    path("account/profile", account.profile, name="profile"),
    path("account/apps", account.apps, name="apps"),
    path("account/sessions", account.session_list, name="sessions"),
    path("account/sessions/end", account.session_end, name="session-end"),
    path("account/security", account.security, name="security"),
    path("account/security/totp", account.TOTPSetupView.as_view(), name="totp-setup"),
    path(
        "account/security/totp/disable",
        account.ConfirmedActionView.as_view(action="disable_totp"),
        name="totp-disable",
    ),
    path(
        "account/security/recovery-codes",
        account.ConfirmedActionView.as_view(action="recovery_codes"),
        name="recovery-codes",
    ),
    path("account/security/recovery-codes/new", account.recovery_codes_new, name="recovery-codes-new"),
    path("account/security/passkeys/options", account.passkey_register_options, name="passkey-register-options"),
    path("account/security/passkeys/add", account.passkey_register, name="passkey-register"),
    path("account/security/passkeys/remove", account.passkey_remove, name="passkey-remove"),
    path("account/log", account.security_log_page, name="log"),
]
