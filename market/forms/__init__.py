"""WTForms for the HTML pages. They parse what a browser sends; the services judge it."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from market.forms.money import MoneyField
from market.models.vocab import (
    ACHIEVEMENT_FORMS,
    COOPERATION_MODES,
    EQUIPMENT_CATEGORIES,
    FEE_UNITS,
    MATURITY_STAGES,
    REGIONS,
    TRANSFER_MODES,
)


def _choices(values, blank: str | None = "请选择"):
    return ([("", blank)] if blank else []) + [(v, v) for v in values]


class ChoiceField(SelectField):
    """A select whose value the service judges (with a Chinese message), not WTForms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)


class ServiceForm(FlaskForm):
    """A form whose data goes to a service as a plain dict and whose errors come back per field."""

    def to_data(self) -> dict:
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit_action")
        }

    def apply_errors(self, fields: dict) -> None:
        for name, message in fields.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = list(field.errors or []) + [message]
            else:
                self.form_errors.append(message)


class ConfirmForm(FlaskForm):
    """A button-only form: carries just the CSRF token."""


class NoteForm(FlaskForm):
    note = TextAreaField("原因")


class MatchDecisionForm(FlaskForm):
    """A broker's verdict on one suggested pair; the page writes one per suggestion, the service judges it."""

    demand_id = HiddenField()
    achievement_id = HiddenField()
    decision = StringField()  # the pressed button's value: accepted | rejected
    reason_code = StringField("拒绝原因")  # a <select> of the reject reasons
    note = StringField("备注")
    score = FloatField(validators=[Optional(), NumberRange(0, 1)])


class LoginForm(ServiceForm):
    email = StringField("邮箱")
    password = PasswordField("密码")
    next = HiddenField()


# The registration page asks one question for the role and the organisation's kind: each answer is a pair the
# service accepts (ROLE_ORG_KINDS), so a mismatch cannot be chosen.
IDENTITIES = {
    "university:university": "高校（发布科技成果、共享仪器）",
    "university:institute": "科研院所（发布科技成果、共享仪器）",
    "enterprise:enterprise": "企业（发布技术需求、对接成果）",
    "broker:intermediary": "技术经纪人（技术转移机构/中介）",
}


class RegisterForm(ServiceForm):
    email = StringField("邮箱")
    password = PasswordField("密码", description="至少10位；不要用常见密码或邮箱名")
    password_again = PasswordField("确认密码")
    display_name = StringField("姓名")
    identity = ChoiceField(
        "注册身份（单位类型）",
        choices=[("", "请选择")] + list(IDENTITIES.items()),
        description="高校、科研院所发布科技成果；企业发布技术需求；技术经纪人所在单位为技术转移机构或中介",
    )
    org_name = StringField("单位名称")
    credit_code = StringField("统一社会信用代码", description="18位，营业执照或法人证书上的代码")
    region = ChoiceField("所在区域", choices=_choices(REGIONS))

    def to_data(self) -> dict:
        """The identity as the service's role and organisation kind (an unknown answer: the role alone, which
        the service refuses with its message)."""
        data = super().to_data()
        identity = data.pop("identity") or ""
        role, _, kind = identity.partition(":") if identity in IDENTITIES else (identity, "", "")
        return {**data, "role": role, "org_kind": kind}

    def apply_errors(self, fields: dict) -> None:
        fields = dict(fields)
        role, kind = fields.pop("role", None), fields.pop("org_kind", None)
        if role or kind:
            self.identity.errors = list(self.identity.errors or []) + [role or kind]
        super().apply_errors(fields)


class PasswordForm(ServiceForm):
    old_password = PasswordField("当前密码")
    new_password = PasswordField("新密码", description="至少10位；不要用常见密码或邮箱名")
    new_password_again = PasswordField("确认新密码")


class ForgotPasswordForm(ServiceForm):
    email = StringField("注册邮箱", render_kw={"type": "email", "autocomplete": "email"})


class ResetPasswordForm(ServiceForm):
    new_password = PasswordField(
        "新密码", description="至少10位；不要用常见密码或邮箱名", render_kw={"autocomplete": "new-password"}
    )
    new_password_again = PasswordField("确认新密码", render_kw={"autocomplete": "new-password"})


class _ContactFields:
    contact_name = StringField("联系人")
    contact_phone = StringField("联系电话")
    contact_email = StringField("联系邮箱")


class AchievementForm(_ContactFields, ServiceForm):
    title = StringField("成果名称")
    summary = TextAreaField("成果简介", render_kw={"rows": 6})
    field = ChoiceField("技术领域", choices=[])
    keywords = StringField("关键词", description="用逗号或顿号分隔")
    maturity = ChoiceField("成熟度", choices=_choices(MATURITY_STAGES))
    trl = StringField("技术成熟度等级 TRL（1–9，可不填）")
    form = ChoiceField("成果形式", choices=_choices(ACHIEVEMENT_FORMS))
    patent_numbers = TextAreaField(
        "专利号", description="每行一个，如 ZL202310123456.7", render_kw={"rows": 2}
    )
    transfer_modes = MultiCheckboxField("转化方式", choices=[(m, m) for m in TRANSFER_MODES])
    price_yuan = MoneyField("意向价格", description="不填表示面议")
    confidential_details = TextAreaField(
        "保密信息（签署保密协议后对接方可见）",
        render_kw={"rows": 4},
        description="关键工艺参数、试验数据等不宜公开的内容：不出现在公开页面和搜索中，只有本单位、管理员和在对接中签署了保密协议的机构可以看到。最多5000字。",
    )


class DemandForm(_ContactFields, ServiceForm):
    title = StringField("需求名称")
    description = TextAreaField("需求描述", render_kw={"rows": 6})
    field = ChoiceField("技术领域", choices=[])
    budget_min_yuan = MoneyField("预算下限", description="不填表示面议")
    budget_max_yuan = MoneyField("预算上限")
    deadline = StringField("截止日期", render_kw={"type": "date"})
    cooperation_mode = ChoiceField("合作方式", choices=_choices(COOPERATION_MODES))
    open_call = BooleanField("揭榜挂帅")
    reward_yuan = MoneyField("揭榜奖励")


class FeeItemForm(Form):
    label = StringField("收费项目")
    unit = ChoiceField("计费单位", choices=_choices(FEE_UNITS, blank="—"))
    price_yuan = StringField("价格（元）")
    internal_price_yuan = StringField("内部价格（元）")
    note = StringField("备注")


class EquipmentForm(_ContactFields, ServiceForm):
    name = StringField("仪器名称")
    model = StringField("型号")
    category = ChoiceField("仪器类别", choices=_choices(EQUIPMENT_CATEGORIES))
    field = ChoiceField("技术领域", choices=[])
    location = StringField("放置地点")
    open_for_booking = BooleanField("开放预约", default=True)
    description = TextAreaField("仪器介绍", render_kw={"rows": 5})
    fee_items = FieldList(FormField(FeeItemForm), label="收费标准", min_entries=3)


class BrokerProfileForm(ServiceForm):
    bio = TextAreaField("个人简介", render_kw={"rows": 5})
    specialties = MultiCheckboxField("擅长领域", choices=[])


LISTING_FORMS = {"achievement": AchievementForm, "demand": DemandForm, "equipment": EquipmentForm}
