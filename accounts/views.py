from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from oidc.interface import client_for_next

from .forms import LoginForm


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_initial(self):
        # Core 3.1.2.1 login_hint: pre-fill the identifier the app already knows.
        return {"username": self.request.GET.get("login_hint", "")[:254]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["asking_client"] = client_for_next(self.get_redirect_url())
        return context


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"


@login_required
def home(request):
    return render(request, "accounts/home.html")
