/* zk_b64.h - an empty header: Zymbit example programs include it. */
