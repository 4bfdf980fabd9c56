namespace Registry.Adapters.Eureka.Tests;

/// <summary>The example payloads of the wire notes (shared/wire/eureka.md section 9), verbatim.</summary>
internal static class EurekaPayloads
{
    /// <summary>Wire notes 9.1.</summary>
    public const string LegacyAppsSingleApplication = """
        {
          "applications": {
            "versions__delta": "1",
            "apps__hashcode": "DOWN_1_UP_1_",
            "application": {
              "name": "BILLING",
              "instance": [
                {
                  "instanceId": "billing-host-a:billing:8080",
                  "hostName": "billing-host-a.internal",
                  "app": "BILLING",
                  "ipAddr": "10.30.1.21",
                  "status": "UP",
                  "overriddenstatus": "UNKNOWN",
                  "port": { "$": 8080, "@enabled": "true" },
                  "securePort": { "$": 8443, "@enabled": "false" },
                  "countryId": 1,
                  "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                  "leaseInfo": {
                    "renewalIntervalInSecs": 30,
                    "durationInSecs": 90,
                    "registrationTimestamp": 1767225600123,
                    "lastRenewalTimestamp": 1767229200456,
                    "evictionTimestamp": 0,
                    "serviceUpTimestamp": 1767225600001
                  },
                  "metadata": { "zone": "zone-a", "management.port": "8081" },
                  "homePageUrl": "http://billing-host-a.internal:8080/",
                  "statusPageUrl": "http://billing-host-a.internal:8081/actuator/info",
                  "healthCheckUrl": "http://billing-host-a.internal:8081/actuator/health",
                  "vipAddress": "billing",
                  "secureVipAddress": "billing",
                  "isCoordinatingDiscoveryServer": "false",
                  "lastUpdatedTimestamp": "1767225600123",
                  "lastDirtyTimestamp": "1767225599870",
                  "actionType": "ADDED"
                },
                {
                  "instanceId": "billing-host-b:billing:8080",
                  "hostName": "billing-host-b.internal",
                  "app": "BILLING",
                  "ipAddr": "10.30.1.22",
                  "status": "DOWN",
                  "overriddenstatus": "UNKNOWN",
                  "port": { "$": 8080, "@enabled": "true" },
                  "securePort": { "$": 8443, "@enabled": "false" },
                  "countryId": 1,
                  "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                  "leaseInfo": {
                    "renewalIntervalInSecs": 30,
                    "durationInSecs": 90,
                    "registrationTimestamp": 1767225611000,
                    "lastRenewalTimestamp": 1767229205000,
                    "evictionTimestamp": 0,
                    "serviceUpTimestamp": 1767225611000
                  },
                  "metadata": { "@class": "java.util.Collections$EmptyMap" },
                  "homePageUrl": "http://billing-host-b.internal:8080/",
                  "statusPageUrl": "http://billing-host-b.internal:8080/info",
                  "healthCheckUrl": "http://billing-host-b.internal:8080/health",
                  "vipAddress": "billing",
                  "secureVipAddress": "billing",
                  "isCoordinatingDiscoveryServer": "false",
                  "lastUpdatedTimestamp": "1767229100000",
                  "lastDirtyTimestamp": "1767229099000",
                  "actionType": "MODIFIED"
                }
              ]
            }
          }
        }
        """;

    /// <summary>Wire notes 9.2.</summary>
    public const string LedgerApplicationSingleInstance = """
        {
          "application": {
            "name": "LEDGER",
            "instance": {
              "instanceId": "i-0a1b2c3d4e5f60718",
              "hostName": "ip-10-31-4-9.ec2.internal",
              "app": "LEDGER",
              "ipAddr": "10.31.4.9",
              "status": "UP",
              "overriddenStatus": "UNKNOWN",
              "port": { "$": 7101, "@enabled": "true" },
              "securePort": { "$": 7102, "@enabled": "true" },
              "countryId": 1,
              "dataCenterInfo": {
                "@class": "com.netflix.appinfo.AmazonInfo",
                "name": "Amazon",
                "metadata": {
                  "instance-id": "i-0a1b2c3d4e5f60718",
                  "availability-zone": "us-east-1c",
                  "local-ipv4": "10.31.4.9",
                  "instance-type": "m6i.large",
                  "local-hostname": "ip-10-31-4-9.ec2.internal"
                }
              },
              "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767230000000, "lastRenewalTimestamp": 1767230900000, "evictionTimestamp": 0, "serviceUpTimestamp": 1767230000500 },
              "metadata": { "stack": "prod" },
              "homePageUrl": "http://ip-10-31-4-9.ec2.internal:7101/",
              "statusPageUrl": "http://ip-10-31-4-9.ec2.internal:7101/Status",
              "healthCheckUrl": "http://ip-10-31-4-9.ec2.internal:7101/healthcheck",
              "secureHealthCheckUrl": "https://ip-10-31-4-9.ec2.internal:7102/healthcheck",
              "vipAddress": "ledger-vip",
              "secureVipAddress": "ledger-secure-vip",
              "isCoordinatingDiscoveryServer": "false",
              "lastUpdatedTimestamp": "1767230000000",
              "lastDirtyTimestamp": "1767229999000",
              "actionType": "ADDED",
              "asgName": "ledger-prod-v042"
            }
          }
        }
        """;

    /// <summary>Wire notes 9.3.</summary>
    public const string JacksonApps = """
        {
          "applications": {
            "versions__delta": "7",
            "apps__hashcode": "OUT_OF_SERVICE_1_UP_3_",
            "application": [
              {
                "name": "BILLING",
                "instance": [
                  {
                    "instanceId": "b1", "hostName": "10.30.1.21", "app": "BILLING", "ipAddr": "10.30.1.21",
                    "status": "UP", "overriddenStatus": "UNKNOWN",
                    "port": { "$": 8080, "@enabled": "true" }, "securePort": { "$": 443, "@enabled": "false" },
                    "countryId": 1,
                    "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                    "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767225600000, "lastRenewalTimestamp": 1767229200000, "evictionTimestamp": 0, "serviceUpTimestamp": 1767225600000 },
                    "metadata": { "version": "2.3.1" },
                    "vipAddress": "billing", "secureVipAddress": "billing",
                    "isCoordinatingDiscoveryServer": "false",
                    "lastUpdatedTimestamp": "1767225600000", "lastDirtyTimestamp": "1767225599000", "actionType": "ADDED"
                  },
                  {
                    "instanceId": "b2", "hostName": "10.30.1.22", "app": "BILLING", "ipAddr": "10.30.1.22",
                    "status": "UP", "overriddenStatus": "UNKNOWN",
                    "port": { "$": 8080, "@enabled": "true" }, "securePort": { "$": 443, "@enabled": "false" },
                    "countryId": 1,
                    "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                    "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767225700000, "lastRenewalTimestamp": 1767229210000, "evictionTimestamp": 0, "serviceUpTimestamp": 1767225700000 },
                    "metadata": { "version": "2.3.1" },
                    "vipAddress": "billing", "secureVipAddress": "billing",
                    "isCoordinatingDiscoveryServer": "false",
                    "lastUpdatedTimestamp": "1767225700000", "lastDirtyTimestamp": "1767225699000", "actionType": "ADDED"
                  }
                ]
              },
              {
                "name": "LEDGER",
                "instance": [
                  {
                    "instanceId": "l1", "hostName": "10.31.4.9", "app": "LEDGER", "ipAddr": "10.31.4.9",
                    "status": "UP", "overriddenStatus": "UNKNOWN",
                    "port": { "$": 7101, "@enabled": "true" }, "securePort": { "$": 7102, "@enabled": "false" },
                    "countryId": 1,
                    "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                    "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767226000000, "lastRenewalTimestamp": 1767229220000, "evictionTimestamp": 0, "serviceUpTimestamp": 1767226000000 },
                    "metadata": { "@class": "java.util.Collections$EmptyMap" },
                    "vipAddress": "ledger-vip", "secureVipAddress": "ledger-vip",
                    "isCoordinatingDiscoveryServer": "false",
                    "lastUpdatedTimestamp": "1767226000000", "lastDirtyTimestamp": "1767225999000", "actionType": "ADDED"
                  },
                  {
                    "instanceId": "l2", "hostName": "10.31.4.10", "app": "LEDGER", "ipAddr": "10.31.4.10",
                    "status": "OUT_OF_SERVICE", "overriddenStatus": "OUT_OF_SERVICE",
                    "port": { "$": 7101, "@enabled": "true" }, "securePort": { "$": 7102, "@enabled": "false" },
                    "countryId": 1,
                    "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                    "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767226100000, "lastRenewalTimestamp": 1767229230000, "evictionTimestamp": 0, "serviceUpTimestamp": 1767226100000 },
                    "metadata": { "@class": "java.util.Collections$EmptyMap" },
                    "vipAddress": "ledger-vip", "secureVipAddress": "ledger-vip",
                    "isCoordinatingDiscoveryServer": "false",
                    "lastUpdatedTimestamp": "1767228000000", "lastDirtyTimestamp": "1767227999000", "actionType": "MODIFIED"
                  }
                ]
              }
            ]
          }
        }
        """;

    /// <summary>Wire notes 9.4.</summary>
    public const string JacksonDelta = """
        {
          "applications": {
            "versions__delta": "8",
            "apps__hashcode": "UP_4_",
            "application": [
              {
                "name": "BILLING",
                "instance": [
                  {
                    "instanceId": "b3", "hostName": "10.30.1.23", "app": "BILLING", "ipAddr": "10.30.1.23",
                    "status": "UP", "overriddenStatus": "UNKNOWN",
                    "port": { "$": 8080, "@enabled": "true" }, "securePort": { "$": 443, "@enabled": "false" },
                    "countryId": 1,
                    "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                    "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767229300000, "lastRenewalTimestamp": 1767229300000, "evictionTimestamp": 0, "serviceUpTimestamp": 1767229300000 },
                    "metadata": { "version": "2.4.0" },
                    "vipAddress": "billing", "secureVipAddress": "billing",
                    "isCoordinatingDiscoveryServer": "false",
                    "lastUpdatedTimestamp": "1767229300000", "lastDirtyTimestamp": "1767229299000", "actionType": "ADDED"
                  },
                  {
                    "instanceId": "b1", "hostName": "10.30.1.21", "app": "BILLING", "ipAddr": "10.30.1.21",
                    "status": "UP", "overriddenStatus": "UNKNOWN",
                    "port": { "$": 8080, "@enabled": "true" }, "securePort": { "$": 443, "@enabled": "false" },
                    "countryId": 1,
                    "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                    "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767225600000, "lastRenewalTimestamp": 1767229200000, "evictionTimestamp": 1767229310000, "serviceUpTimestamp": 1767225600000 },
                    "metadata": { "version": "2.3.1" },
                    "vipAddress": "billing", "secureVipAddress": "billing",
                    "isCoordinatingDiscoveryServer": "false",
                    "lastUpdatedTimestamp": "1767229310000", "lastDirtyTimestamp": "1767225599000", "actionType": "DELETED"
                  }
                ]
              },
              {
                "name": "LEDGER",
                "instance": [
                  {
                    "instanceId": "l2", "hostName": "10.31.4.10", "app": "LEDGER", "ipAddr": "10.31.4.10",
                    "status": "UP", "overriddenStatus": "UNKNOWN",
                    "port": { "$": 7101, "@enabled": "true" }, "securePort": { "$": 7102, "@enabled": "false" },
                    "countryId": 1,
                    "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
                    "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 1767226100000, "lastRenewalTimestamp": 1767229320000, "evictionTimestamp": 0, "serviceUpTimestamp": 1767226100000 },
                    "metadata": { "@class": "java.util.Collections$EmptyMap" },
                    "vipAddress": "ledger-vip", "secureVipAddress": "ledger-vip",
                    "isCoordinatingDiscoveryServer": "false",
                    "lastUpdatedTimestamp": "1767229320000", "lastDirtyTimestamp": "1767229319000", "actionType": "MODIFIED"
                  }
                ]
              }
            ]
          }
        }
        """;

    /// <summary>Wire notes 9.5.</summary>
    public const string XmlApps = """
        <applications>
          <versions__delta>1</versions__delta>
          <apps__hashcode>STARTING_1_UP_1_</apps__hashcode>
          <application>
            <name>BILLING</name>
            <instance>
              <instanceId>billing-host-a:billing:8080</instanceId>
              <hostName>billing-host-a.internal</hostName>
              <app>BILLING</app>
              <ipAddr>10.30.1.21</ipAddr>
              <status>UP</status>
              <overriddenstatus>UNKNOWN</overriddenstatus>
              <port enabled="true">8080</port>
              <securePort enabled="false">8443</securePort>
              <countryId>1</countryId>
              <dataCenterInfo class="com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo">
                <name>MyOwn</name>
              </dataCenterInfo>
              <leaseInfo>
                <renewalIntervalInSecs>30</renewalIntervalInSecs>
                <durationInSecs>90</durationInSecs>
                <registrationTimestamp>1767225600123</registrationTimestamp>
                <lastRenewalTimestamp>1767229200456</lastRenewalTimestamp>
                <evictionTimestamp>0</evictionTimestamp>
                <serviceUpTimestamp>1767225600001</serviceUpTimestamp>
              </leaseInfo>
              <metadata>
                <zone>zone-a</zone>
                <build__id>b-77</build__id>
              </metadata>
              <homePageUrl>http://billing-host-a.internal:8080/</homePageUrl>
              <statusPageUrl>http://billing-host-a.internal:8080/info</statusPageUrl>
              <healthCheckUrl>http://billing-host-a.internal:8080/health</healthCheckUrl>
              <vipAddress>billing</vipAddress>
              <secureVipAddress>billing</secureVipAddress>
              <isCoordinatingDiscoveryServer>false</isCoordinatingDiscoveryServer>
              <lastUpdatedTimestamp>1767225600123</lastUpdatedTimestamp>
              <lastDirtyTimestamp>1767225599870</lastDirtyTimestamp>
              <actionType>ADDED</actionType>
            </instance>
            <instance>
              <instanceId>billing-host-c:billing:8080</instanceId>
              <hostName>billing-host-c.internal</hostName>
              <app>BILLING</app>
              <ipAddr>10.30.1.23</ipAddr>
              <status>STARTING</status>
              <overriddenstatus>UNKNOWN</overriddenstatus>
              <port enabled="true">8080</port>
              <securePort enabled="false">8443</securePort>
              <countryId>1</countryId>
              <dataCenterInfo class="com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo">
                <name>MyOwn</name>
              </dataCenterInfo>
              <metadata class="java.util.Collections$EmptyMap"/>
              <vipAddress>billing</vipAddress>
              <secureVipAddress>billing</secureVipAddress>
              <isCoordinatingDiscoveryServer>false</isCoordinatingDiscoveryServer>
              <lastUpdatedTimestamp>1767229400000</lastUpdatedTimestamp>
              <lastDirtyTimestamp>1767229399000</lastDirtyTimestamp>
              <actionType>ADDED</actionType>
            </instance>
          </application>
        </applications>
        """;

    /// <summary>Wire notes 9.6.</summary>
    public const string RegisterBody = """
        {
          "instance": {
            "instanceId": "billing-host-d:billing:8080",
            "hostName": "billing-host-d.internal",
            "app": "BILLING",
            "ipAddr": "10.30.1.24",
            "status": "STARTING",
            "overriddenstatus": "UNKNOWN",
            "port": { "$": 8080, "@enabled": "true" },
            "securePort": { "$": 8443, "@enabled": "false" },
            "countryId": 1,
            "dataCenterInfo": { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn" },
            "leaseInfo": { "renewalIntervalInSecs": 30, "durationInSecs": 90 },
            "metadata": { "zone": "zone-b" },
            "homePageUrl": "http://billing-host-d.internal:8080/",
            "statusPageUrl": "http://billing-host-d.internal:8080/info",
            "healthCheckUrl": "http://billing-host-d.internal:8080/health",
            "vipAddress": "billing",
            "secureVipAddress": "billing",
            "lastDirtyTimestamp": "1767229500000"
          }
        }
        """;
}
