"""A listing's pictures and documents: a file's caption, and the order they are shown in."""

from marshmallow import ValidationError, fields

from market.inputs.base import InputSchema, _Input
from market.inputs.fields import Text
from market.services.base import MAX_ROW_ID

MAX_FILES = 12  # per listing


class RowIdList(_Input, fields.List):
    """Row ids in an order: a list of numbers (text such as "12" is read too), each at most once."""

    def __init__(self, label: str, *, max_items: int, **kwargs):
        self.max_items = max_items
        super().__init__(label, fields.Integer(), **kwargs)

    def describe(self, label):
        return f"{label}，最多{self.max_items}项"

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (list, tuple)):
            raise ValidationError(f"{self.label}必须是编号的列表")
        numbers = []
        for item in value:
            try:
                number = int(item) if isinstance(item, (int, str)) and not isinstance(item, bool) else 0
            except ValueError:
                number = 0
            if not 0 < number <= MAX_ROW_ID:
                raise ValidationError(f"{self.label}中的“{str(item)[:20]}”不是有效的编号")
            if number in numbers:
                raise ValidationError(f"{self.label}中的编号 {number} 重复了")
            numbers.append(number)
        if len(numbers) > self.max_items:
            raise ValidationError(f"{self.label}最多{self.max_items}项")
        return numbers


class ListingFileIn(InputSchema):
    caption = Text("说明", max_len=100, description="图片或文件的说明，最多100字；空字符串清除说明")


class ListingFileOrderIn(InputSchema):
    ids = RowIdList(
        "图片和文件的顺序",
        required=True,
        max_items=MAX_FILES,
        description="该内容全部图片和文件的编号，按展示顺序排列（排在最前的图片为封面）",
    )
