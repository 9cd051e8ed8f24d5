from django import forms

from .models import MAX_CONTENT_LENGTH


class TweetForm(forms.Form):
    content = forms.CharField(
        max_length=MAX_CONTENT_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What's happening?"}),
    )
    reply_to_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
