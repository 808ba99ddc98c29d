$TCPTUNE --root "$CHECK_ROOTS/nginx-php-fpm" --format json check
