from django.urls import path

from renkou.core import views, views_accounts

app_name = "core"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("otp/", views.otp_setup, name="otp_setup"),
    *views_accounts.urlpatterns,
]
