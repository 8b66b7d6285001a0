"""Forms of the deal pages (对接). They carry what the browser sends; the deal service judges it. The next
step's form is generated from its input declaration (market/inputs/deals.py); the others have page-only fields
(a hidden listing or stage, a file, buttons for the kind) and labels of their own."""

from flask_wtf.file import FileField
from wtforms import HiddenField, TextAreaField

from market.forms import ChoiceField, ServiceForm
from market.forms.generated import form_for
from market.inputs.deals import DealNextActionIn
from market.models.vocab import DEAL_NOTE_KINDS, DEAL_TERMINATION_REASONS


class OpenDealForm(ServiceForm):
    """我要对接: the listing (hidden), an optional first message and an optional broker to ask for."""

    achievement_id = HiddenField()
    demand_id = HiddenField()
    message = TextAreaField(
        "留言（可不填）",
        description="简要说明合作意向，对方会在对接中看到",
        render_kw={"rows": 3},
    )
    requested_broker_id = ChoiceField(
        "邀请技术经纪人（可不填）", choices=[("", "暂不指定，由平台经纪人认领")]
    )


class MessageForm(ServiceForm):
    body = TextAreaField("留言", render_kw={"rows": 3})
    file = FileField(
        "附件（可不选）",
        description="PDF、PNG、JPG、Word/Excel/PPT 或 txt，不超过 10 MB",
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.txt"},
    )


class DealNoteForm(ServiceForm):
    """A broker's one-click note: the pressed button gives the kind."""

    kind = ChoiceField("记录类型", choices=list(DEAL_NOTE_KINDS.items()))
    body = TextAreaField("内容（可不填）", id="note-body", render_kw={"rows": 2})


NextActionForm = form_for(DealNextActionIn, "NextActionForm")


class StageForm(ServiceForm):
    """推进 (to = the next stage) or 终止 (to = terminated, with a reason and a note)."""

    to = HiddenField()
    reason = ChoiceField("终止原因", choices=[("", "请选择")] + list(DEAL_TERMINATION_REASONS.items()))
    note = TextAreaField("说明（可不填）", id="termination-note", render_kw={"rows": 2})


class BrokerChoiceForm(ServiceForm):
    """A party asks for a broker, or an admin assigns one."""

    broker_id = ChoiceField("技术经纪人", choices=[])
