# Production image: the same app with production settings, served by granian
# (deploy/serve.sh; gunicorn.conf.py is the measured alternative).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=twitterclone.settings.production
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings that import cleanly; real values come at run time.
RUN DATABASE_URL=postgres://build@localhost/build DJANGO_SECRET_KEY=build \
    DJANGO_ALLOWED_HOSTS=localhost REDIS_URL=redis://build python manage.py collectstatic --noinput

RUN useradd --create-home app && mkdir -p /app/media-files && chown app /app/media-files
USER app
EXPOSE 8000
CMD ["sh", "deploy/serve.sh"]
