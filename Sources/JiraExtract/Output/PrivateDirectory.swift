import Foundation
import JiraResilient
#if canImport(Glibc)
import Glibc
#endif

/// Output directories: created owner-only (0700) whatever the umask, since issue data is
/// often confidential and jump hosts are shared.
enum PrivateDirectory {
    /// Creates `path` and its missing parents with mode 0700. With `mustBeReal`, the last
    /// component must be a real directory, not a symbolic link (so `issues/` cannot be
    /// redirected elsewhere). Errors name the component at fault.
    static func create(_ path: String, mustBeReal: Bool = false) throws(JiraError) {
        // Each prefix as the user wrote it (`./afile`, not `././afile`), for the messages.
        var prefix = path.hasPrefix("/") ? "" : nil as String?
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for (index, part) in parts.enumerated() {
            let next = prefix.map { $0 + "/" + part } ?? String(part)
            prefix = next
            let last = index == parts.count - 1
            var info = stat()
            if lstat(next, &info) == 0 {
                let type = info.st_mode & S_IFMT
                if type == S_IFLNK {
                    if last && mustBeReal {
                        throw JiraError(
                            .invalidInput,
                            "\(next) is a symbolic link; the output directory's issues/ must be a real directory")
                    }
                    guard stat(next, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                        throw JiraError(
                            .invalidInput,
                            "\(next) is not a directory (a link to something else), so the output directory cannot be created"
                        )
                    }
                } else if type != S_IFDIR {
                    throw JiraError(
                        .invalidInput,
                        "\(next) is a file, not a directory, so the output directory cannot be created there")
                }
                continue
            }
            guard mkdir(next, 0o700) == 0 || errno == EEXIST else {
                let code = errno
                throw JiraError(.localIO, "cannot create the directory \(next): \(String(cString: strerror(code)))")
            }
            chmod(next, 0o700)
        }
    }
}
