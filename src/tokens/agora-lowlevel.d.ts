// Types for the lower-level classes of Agora's own token libraries. The builders
// those packages export pick the salt with Math.random() and read the clock
// themselves; the classes below let us supply both (see mint.ts).
// Both files are CommonJS: import the default, then destructure.

declare module 'agora-access-token/src/AccessToken.js' {
  namespace lib006 {
    class AccessToken {
      constructor(appId: string, appCertificate: string, channelName: string, uid: number | string);
      salt: number;
      ts: number;
      addPriviledge(privilege: number, expireTimestamp: number): void;
      build(): string;
    }
  }
  export = lib006;
}

declare module 'agora-token/src/AccessToken2.js' {
  namespace lib007 {
    class Service {
      add_privilege(privilege: number, expire: number): void;
    }
    class ServiceRtc extends Service {
      constructor(channelName: string, uid: number | string);
    }
    class ServiceRtm extends Service {
      constructor(userId: string);
    }
    class ServiceChat extends Service {
      constructor(userId?: string);
    }
    class ServiceFpa extends Service {}
    class ServiceConvoAI extends Service {}
    class ServiceStt extends Service {}
    class ServiceApaas extends Service {
      constructor(roomUuid?: string, userUuid?: string, role?: number);
      /** Written as int16. The constructor turns a role of 0 into -1 (`role || -1`), so mint.ts sets it here. */
      __role: number;
    }
    class Rtm2Permissions {
      add(resourceType: number, permissionType: number, resources: readonly string[]): void;
    }
    class ServiceRtm2 extends Service {
      constructor(userId: string, permissions: Rtm2Permissions);
    }
    class AccessToken2 {
      constructor(appId: string, appCertificate: string, issueTs: number, expire: number);
      salt: number;
      add_service(service: Service): void;
      build(): string;
    }
  }
  export = lib007;
}
