7737 prospectd 4
7739 -qos.overcommit 29
7741 NIO-SGLTN-1-#1 3
7742 NIO-SGLTN-1-#2 3
