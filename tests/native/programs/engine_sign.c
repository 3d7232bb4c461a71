/* Loads the zymkey_ssl engine's key once, then signs SHA-256("message") with it for
 * every line read from stdin: prints "sig <DER hex>" or "error <reason> | <data>...".
 * Exits 0 at the end of its input; 2-4 when the engine, its init or the key fails. */
#include <stdio.h>
#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

static void print_errors(void)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long code;

    printf("error");
    while ((code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        const char *reason = ERR_reason_error_string(code);
        printf(" %s", reason != NULL ? reason : "?");
        if (data != NULL && (flags & ERR_TXT_STRING))
            printf(" | %s", data);
        printf(";");
    }
    printf("\n");
    fflush(stdout);
}

static void sign_once(EVP_PKEY *pkey)
{
    static const char message[] = "message";
    unsigned char sig[256];
    size_t siglen = sizeof sig, i;
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    if (md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) == 1
        && EVP_DigestSign(md, sig, &siglen, (const unsigned char *)message,
                          strlen(message)) == 1) {
        printf("sig ");
        for (i = 0; i < siglen; i++)
            printf("%02x", sig[i]);
        printf("\n");
        fflush(stdout);
    } else {
        print_errors();
    }
    EVP_MD_CTX_free(md);
}

int main(void)
{
    char line[256];
    ENGINE *e = ENGINE_by_id("zymkey_ssl");
    EVP_PKEY *pkey;

    if (e == NULL) {
        print_errors();
        return 2;
    }
    if (!ENGINE_init(e)) {
        print_errors();
        ENGINE_free(e);
        return 3;
    }
    pkey = ENGINE_load_private_key(e, "nonzymkey.key", NULL, NULL);
    if (pkey == NULL) {
        print_errors();
        ENGINE_finish(e);
        ENGINE_free(e);
        return 4;
    }
    printf("loaded\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL)
        sign_once(pkey);
    EVP_PKEY_free(pkey);
    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
