import Testing
@testable import Accounts

@Suite struct PasswordHashTests {
    @Test func yescryptRoundTrip() throws {
        let h = try PasswordHash.make("correct horse")
        #expect(h.hasPrefix("$y$"))
        #expect(PasswordHash.verify("correct horse", against: h))
        #expect(!PasswordHash.verify("correct horsE", against: h))
        #expect(!PasswordHash.verify("", against: h))
        // Fresh salt each time.
        #expect(try PasswordHash.make("correct horse") != h)
        #expect(!PasswordHash.needsUpgrade(h))
    }

    // Vectors made with `openssl passwd -6/-5/-1 -salt saltsalt 'correct horse'` and Python's
    // hashlib for the salted SHA schemes (base64(digest || salt)).
    @Test(arguments: [
        "{SHA512-CRYPT}$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0",
        "$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0",
        "{SHA256-CRYPT}$5$saltsalt$myjXcpMpE2Ofk7fj9hqyNYSn6lmWG4Mqnjx.KIRRr4/",
        "{MD5-CRYPT}$1$saltsalt$NuzA7WTAelpl95xgBGWN60",
        "{SSHA512}UcgUMQCoyOq39//KJeZNFoQ73BzEEkkNZ2T69j+OCt7PoOjJm64Lb57Zx6uRq4trGJ8K7NSDqjle2Iy1ZZ0K4E5hQ2wxMjM0",
        "{SSHA}N5AvglyQgpuw+E6FIPXO/4H4ClROYUNsMTIzNA==",
    ])
    func dovecotSchemes(stored: String) throws {
        let imported = try PasswordHash.importing(stored)
        #expect(PasswordHash.verify("correct horse", against: imported))
        #expect(!PasswordHash.verify("wrong horse", against: imported))
        #expect(PasswordHash.needsUpgrade(imported))
    }

    @Test func plainIsHashedOnImport() throws {
        let stored = try PasswordHash.importing("{PLAIN}secret words")
        #expect(stored.hasPrefix("$y$"))
        #expect(PasswordHash.verify("secret words", against: stored))
    }

    @Test(arguments: ["{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$abc$def", "{SHA512-CRYPT}$5$saltsalt$x", "garbage",
                      "{SSHA512}bm90IGJhc2U2NA", "{SHA512-CRYPT}$6$"])
    func rejectsBadImports(stored: String) {
        #expect(throws: PasswordHashError.self) { try PasswordHash.importing(stored) }
    }
}
