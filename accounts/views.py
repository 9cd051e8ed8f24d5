from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from .forms import SignupForm
from .services import user_register


def signup(request):
    """Register and sign in."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.cleaned_data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            login(request, user, backend="accounts.backends.CaseInsensitiveModelBackend")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})
