"""Registration, sign-in and sign-out, password change."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from market.errors import AuthenticationFailed, ValidationFailed
from market.forms import ConfirmForm, LoginForm, PasswordForm, RegisterForm
from market.services import accounts
from market.views.common import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register_account():
    if current_user.is_authenticated:
        return redirect(url_for("public.show_home"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = form.to_data()
        if data["password"] != data.pop("password_again"):
            form.apply_errors({"password_again": "两次输入的密码不一致"})
        else:
            try:
                user = accounts.register_account(data)
            except ValidationFailed as exc:
                form.apply_errors(exc.fields)
            else:
                login_user(user)
                flash("注册成功。单位认证通过前，您发布的内容需经审核，联系方式暂不可见。", "success")
                return redirect(url_for("workspace.show_dashboard"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except AuthenticationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            login_user(user)
            accounts.record_login(user.id)
            flash(f"欢迎回来，{user.display_name}", "success")
            return redirect(safe_next(form.next.data, url_for("workspace.show_dashboard")))
    return render_template("auth/login.html", form=form), 401 if form.form_errors else 200


@bp.post("/logout")
def logout():
    if ConfirmForm().validate_on_submit():
        logout_user()
        flash("已退出登录", "info")
    return redirect(url_for("public.show_home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if form.new_password.data != form.new_password_again.data:
            form.apply_errors({"new_password_again": "两次输入的新密码不一致"})
        else:
            try:
                revoked = accounts.change_password(current_user, form.old_password.data, form.new_password.data)
            except ValidationFailed as exc:
                form.apply_errors(exc.fields)
            else:
                flash(f"密码已修改；原有的 {revoked} 个 API 令牌已作废，请用新密码重新获取" if revoked else "密码已修改",
                      "success")
                return redirect(url_for("workspace.show_dashboard"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
