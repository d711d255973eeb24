//go:build unix

package guest

import (
	"os"
	"syscall"
)

// inodeOf returns the file's inode number, which tells a file replaced
// under the same name, size and modification time from the old one.
func inodeOf(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
