package com.levqor.accounts;

import com.levqor.api.ApiException;

/** 409: an account with that address (in any case) exists already. */
public final class AccountExistsException extends ApiException {
    public AccountExistsException(String email) {
        super(409, "account_exists", "An account with email '" + email + "' already exists.");
    }
}
