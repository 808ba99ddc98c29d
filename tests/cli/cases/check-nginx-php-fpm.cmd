$TCPTUNE --root "$CHECK_ROOTS/nginx-php-fpm" check
