"""Registration, sign-in and sign-out, password change and reset."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from market.errors import AuthenticationFailed, TooManyAttempts, ValidationFailed
from market.forms import (
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    RegisterForm,
    ResetPasswordForm,
)
from market.security import client, limiter, rate
from market.services import accounts, password_resets
from market.views.common import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(rate("RATE_LIMIT_REGISTRATION"), methods=["POST"])
def register_account():
    if current_user.is_authenticated:
        return redirect(url_for("public.show_home"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = form.to_data()
        try:
            user = accounts.register_account(data, password_again=data.pop("password_again"))
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            login_user(user)
            flash("注册成功。单位认证通过前，您发布的内容需经审核，联系方式暂不可见。", "success")
            return redirect(url_for("workspace.show_dashboard"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(rate("RATE_LIMIT_SIGN_IN"), methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(form.email.data, form.password.data, client())
        except (AuthenticationFailed, TooManyAttempts) as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            login_user(user)
            accounts.record_login(user.id)
            flash(f"欢迎回来，{user.display_name}", "success")
            return redirect(safe_next(form.next.data, url_for("workspace.show_dashboard")))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if ConfirmForm().validate_on_submit():
        if current_user.is_authenticated:
            accounts.sign_out(current_user)  # a copy of this session's cookie no longer opens anything
        logout_user()
        flash("已退出登录", "info")
    return redirect(url_for("public.show_home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(rate("RATE_LIMIT_PASSWORD_RESET"), methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            password_resets.request_reset(form.email.data, current_app.config["PUBLIC_URL"])
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash(
                "如果该邮箱已注册，我们已发出重置密码的邮件，请在 60 分钟内按邮件中的链接设置新密码。", "info"
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(rate("RATE_LIMIT_PASSWORD_RESET"), methods=["POST"])
def reset_password(token):
    form = ResetPasswordForm()
    try:
        password_resets.check_token(token)
    except ValidationFailed as exc:
        flash(exc.message, "warning")
        return redirect(url_for("auth.forgot_password"))
    if form.validate_on_submit():
        try:
            password_resets.reset_password(
                token, form.new_password.data, new_password_again=form.new_password_again.data or ""
            )
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            logout_user()
            flash("密码已重置，所有设备上的登录和 API 令牌均已失效，请用新密码登录", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            revoked = accounts.change_password(
                current_user,
                form.old_password.data,
                form.new_password.data,
                new_password_again=form.new_password_again.data or "",
            )
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            login_user(current_user._get_current_object())  # this browser stays signed in; the others end
            flash(
                f"密码已修改；原有的 {revoked} 个 API 令牌已作废，请用新密码重新获取"
                if revoked
                else "密码已修改",
                "success",
            )
            return redirect(url_for("workspace.show_dashboard"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
