/// The simulator's self-signed certificate for `--tls`: valid for 127.0.0.1 and localhost until 2126.
/// Not a secret: it protects nothing but loopback rehearsals. Clients trust it with `--ca-bundle`
/// (write `certificatePEM` to a file) or skip verification with `--insecure`.
public enum SimulatorCertificate {
    public static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBuDCCAV+gAwIBAgIUSr+rv//OE5/OpzF3sFqYlVmINcYwCgYIKoZIzj0EAwIw
        IzEhMB8GA1UEAwwYamlyYS1yZXNpbGllbnQgc2ltdWxhdG9yMCAXDTI2MTEyNjIy
        MzIwMloYDzIxMjYxMTAyMjIzMjAyWjAjMSEwHwYDVQQDDBhqaXJhLXJlc2lsaWVu
        dCBzaW11bGF0b3IwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARyfy07uCoCTtMR
        SZiSnDOFHGmNj2CI6Gr23vJYYczBU8RhtOAW6C2y2Gm14qao0msI51dcg1xkVC74
        YKft6kF2o28wbTAdBgNVHQ4EFgQUl6NxtJHu4i256dYKh5dVceVuRMMwHwYDVR0j
        BBgwFoAUl6NxtJHu4i256dYKh5dVceVuRMMwGgYDVR0RBBMwEYcEfwAAAYIJbG9j
        YWxob3N0MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgRg56UJuK
        8bSBiWU8vlyXzhnMyNJ4WH3Fs1IWtzUI0G0CIHBH9pDRPnzoqB9sRR1vIDsJHHwt
        fjojhEce7c+2003h
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg760iLz9t4QypmYuk
        PWNx9LKeplLfeulLSOjT90l//AihRANCAARyfy07uCoCTtMRSZiSnDOFHGmNj2CI
        6Gr23vJYYczBU8RhtOAW6C2y2Gm14qao0msI51dcg1xkVC74YKft6kF2
        -----END PRIVATE KEY-----
        """
}
